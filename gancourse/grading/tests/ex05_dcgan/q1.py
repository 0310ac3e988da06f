from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=1, hidden=False)
def test_q1_sizes(conv_transpose_output_size):
    import torch
    from torch import nn
    from gancourse.grading import Answer
    size_of = Answer('q1', 'conv_transpose_output_size', conv_transpose_output_size)
    cases = [(7, 4, 2, 1, 0), (14, 4, 2, 1, 0), (1, 7, 1, 0, 0), (5, 3, 2, 1, 1), (6, 5, 3, 2, 0)]

    def measured(size, kernel, stride, padding, output_padding):
        layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding)
        with torch.no_grad():
            return int(layer(torch.zeros(1, 1, size, size)).shape[-1])
    got = []
    for size, kernel, stride, padding, output_padding in cases:
        args = (size, kernel, stride, padding)
        if output_padding:
            value = size_of(*args, output_padding=output_padding)
        else:
            value = size_of(*args)
        if isinstance(value, float) and value.is_integer():
            size_of.fail(f'it returned the float {value!r}: return an int (integer arithmetic, no `/`).')
        if isinstance(value, bool) or not isinstance(value, int):
            size_of.fail(f'it should return a Python int, got {type(value).__name__}.')
        got.append(value)
    want = [measured(*case) for case in cases]
    mistakes = {'you used the formula of an ordinary convolution, (n + 2p - k) // s + 1, which shrinks the image: a transposed convolution runs it backwards, (n - 1) s - 2p + k + q.': [(n + 2 * p - k) // s + 1 for n, k, s, p, q in cases], 'you subtracted the padding once: the transposed convolution crops p pixels from each side, so subtract 2p.': [(n - 1) * s - p + k + q for n, k, s, p, q in cases], 'off by one stride: the n input pixels give n - 1 gaps of s pixels, so (n - 1) s, not n s.': [n * s - 2 * p + k + q for n, k, s, p, q in cases], 'off by one: you added k - 1 instead of k (the first patch covers k pixels).': [(n - 1) * s - 2 * p + k - 1 + q for n, k, s, p, q in cases], 'you left out output_padding: it adds q pixels to the output.': [(n - 1) * s - 2 * p + k for n, k, s, p, q in cases]}
    if got != want:
        for message, wrong in mistakes.items():
            if got == wrong:
                size_of.fail(message)
        for case, g, w in zip(cases, got, want):
            if g != w:
                size_of.fail(f'conv_transpose_output_size(*{case}) returned {g}, but nn.ConvTranspose2d makes {w}.')

