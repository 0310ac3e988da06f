# Wrong answer to q1: the padding is cropped from one side only.
# expect q1: you subtracted the padding once
def conv_transpose_output_size(size, kernel, stride, padding, output_padding=0):
    return (size - 1) * stride - padding + kernel + output_padding
