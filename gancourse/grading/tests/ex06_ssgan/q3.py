from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False)
def test_q3_value(feature_matching_loss):
    import torch
    from gancourse.grading import Answer
    fm = Answer('q3', 'feature_matching_loss', feature_matching_loss)
    real = torch.tensor([[1.0, 0.0, 2.0], [3.0, 2.0, -2.0], [2.0, 4.0, 0.0]])
    fake = torch.tensor([[0.0, 1.0, 1.0], [2.0, -1.0, 3.0], [1.0, 3.0, -1.0]])
    got = fm(real, fake)
    fm.shape(got, (), what='the feature-matching loss')
    r, f = (real.double(), fake.double())
    diff = r.mean(0) - f.mean(0)
    want = (diff * diff).sum()
    mistakes = {'you averaged the per-sample squared distances ||f(x_i) - f(G(z_i))||^2: feature matching compares the batch means, ||mean f(x) - mean f(G(z))||^2.': ((r - f) ** 2).sum(1).mean(), 'you returned the norm ||mean f(x) - mean f(G(z))||: the loss is its square.': (diff * diff).sum().sqrt(), 'you averaged over the features (F.mse_loss?): the loss is the squared norm, a sum over the F features.': (diff * diff).mean(), 'you compared the sums over the batch, not the means.': ((r.sum(0) - f.sum(0)) ** 2).sum()}
    fm.close(got, want, what='the loss on (3, 3) real and fake features', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q3_gradient_reaches_the_fake_branch_only(feature_matching_loss):
    import torch
    from gancourse.grading import Answer
    fm = Answer('q3', 'feature_matching_loss', feature_matching_loss)
    real = torch.tensor([[1.0, 0.0], [3.0, 2.0]], requires_grad=True)
    fake = torch.tensor([[0.0, 1.0], [2.0, -1.0], [1.0, 2.0]], requires_grad=True)
    got = fm.tensor(fm(real, fake), what='the feature-matching loss')
    if not got.requires_grad:
        fm.fail('your loss has no gradient: the generated branch must stay connected (detach only real_features).')
    got.backward()
    if real.grad is not None and bool(real.grad.abs().sum() > 0):
        fm.fail('the gradient reached real_features: detach the real branch (real_features.detach()); feature matching trains the generator only, towards a fixed target.')
    if fake.grad is None:
        fm.fail('no gradient reached fake_features: do not detach the generated branch.')
    diff = real.detach().double().mean(0) - fake.detach().double().mean(0)
    fm.close(fake.grad, (-2 * diff / 3).expand(3, 2), what='d loss / d fake_features')

