from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False)
def test_q1_values(optimal_discriminator):
    import torch
    from gancourse.grading import Answer
    d_star = Answer('q1', 'optimal_discriminator', optimal_discriminator)
    p_data = torch.tensor([0.4, 0.1, 0.3, 0.05, 0.2], dtype=torch.float64)
    p_g = torch.tensor([0.1, 0.3, 0.2, 0.45, 0.6], dtype=torch.float64)
    got = d_star(p_data, p_g)
    summed = {(): 'you reduced the result to one number: return D* at every point, a tensor of the shape of p_data.'}
    d_star.shape(got, (5,), what='D* at 5 points', mistakes=summed)
    mistakes = {'you computed p_g / (p_data + p_g), the probability that x is fake: D*(x) is the probability that x is real, p_data / (p_data + p_g).': p_g / (p_data + p_g), 'you returned the likelihood ratio p_data / p_g, which is not a probability (it exceeds 1 where p_data > p_g): D* = p_data / (p_data + p_g).': p_data / p_g, 'you divided by the mixture m = (p_data + p_g) / 2: D* = p_data / (p_data + p_g), without the 1/2, so that it lies in [0, 1].': 2 * p_data / (p_data + p_g)}
    want = torch.tensor([0.8, 0.25, 0.6, 0.1, 0.25])
    d_star.close(got, want, what='D* at 5 points', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q1_outside_the_supports(optimal_discriminator):
    import torch
    from gancourse.grading import Answer
    d_star = Answer('q1', 'optimal_discriminator', optimal_discriminator)
    p_data = torch.tensor([0.5, 0.2, 0.0, 0.0, 0.0], dtype=torch.float64)
    p_g = torch.tensor([0.0, 0.3, 0.4, 0.0, 0.0], dtype=torch.float64)
    got = d_star.tensor(d_star(p_data, p_g), what='D*')
    d_star.shape(got, (5,), what='D* at 5 points')
    if bool(torch.isnan(got[3:]).any()):
        d_star.fail('D*(x) is NaN where p_data(x) = p_g(x) = 0: 0 / 0 outside both supports. Return 1/2 there (the convention of the question), e.g. with torch.where(p_data + p_g > 0, ...).')
    mistakes = {'you returned 0 where p_data = p_g = 0 (a small eps added to the denominator?): the convention asked for is D* = 1/2 there.': torch.tensor([1.0, 0.4, 0.0, 0.0, 0.0])}
    want = torch.tensor([1.0, 0.4, 0.0, 0.5, 0.5])
    d_star.close(got, want, what='D* where one or both densities are 0', mistakes=mistakes)

