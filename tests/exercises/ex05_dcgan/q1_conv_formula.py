# Wrong answer to q1: the output size of an ordinary (forward) convolution.
# expect q1: you used the formula of an ordinary convolution
def conv_transpose_output_size(size, kernel, stride, padding, output_padding=0):
    return (size + 2 * padding - kernel) // stride + 1
