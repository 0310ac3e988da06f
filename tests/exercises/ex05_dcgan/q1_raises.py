# A q1 answer that raises: it treats the size as a tensor shape.
# expect q1: raised AttributeError
def conv_transpose_output_size(size, kernel, stride, padding, output_padding=0):
    n = size.shape[-1]
    return (n - 1) * stride - 2 * padding + kernel + output_padding
