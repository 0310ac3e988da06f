from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False)
def test_q1_mean_and_variance(gaussian_mle):
    import torch
    from gancourse.grading import Answer
    mle = Answer('q1', 'gaussian_mle', gaussian_mle)
    x = torch.tensor([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    mean, var = mle(x, returns=2)
    mistakes = {"you divided by n-1 (the unbiased estimator, torch.var's default): the MLE of the variance divides by n.": 32 / 7, 'you returned the standard deviation: return the variance, its square.': 2.0, 'you did not subtract the mean: the variance averages (x - mean)**2, not x**2.': 29.0}
    mle.close(mean, 5.0, what='the mean of [2, 4, 4, 4, 5, 5, 7, 9]')
    mle.close(var, 4.0, what='the variance of [2, 4, 4, 4, 5, 5, 7, 9]', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q1_one_estimate_per_coordinate(gaussian_mle):
    import torch
    from gancourse.grading import Answer
    mle = Answer('q1', 'gaussian_mle', gaussian_mle)
    a, b = (torch.tensor([1.0, -3.0, 0.5]), torch.tensor([1.0, 0.5, 3.0]))
    z = torch.arange(-2.0, 3.0)
    mean, var = mle(a + b * z[:, None], returns=2)
    wrong_dim = {(): 'you reduced over every entry of x: reduce over dim=0 only (the n samples), one estimate per coordinate.', (5,): 'you reduced over dim=1 (the coordinates of each sample): reduce over dim=0 (the n samples).'}
    mistakes = {"you divided by n-1 (the unbiased estimator, torch.var's default): the MLE of the variance divides by n.": 2.5 * b ** 2, 'you returned the standard deviation: return the variance, its square.': 2 ** 0.5 * b}
    mle.shape(mean, (3,), what='the mean of a (5, 3) tensor', mistakes=wrong_dim)
    mle.shape(var, (3,), what='the variance of a (5, 3) tensor', mistakes=wrong_dim)
    mle.close(mean, a, what='the means of the 3 columns')
    mle.close(var, 2 * b ** 2, what='the variances of the 3 columns', mistakes=mistakes)

