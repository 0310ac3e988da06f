from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False)
def test_q2_value(unsupervised_discriminator_loss):
    import torch
    from gancourse.grading import Answer
    unsup = Answer('q2', 'unsupervised_discriminator_loss', unsupervised_discriminator_loss)
    real = torch.tensor([[1.0, -1.0, 0.5], [0.0, 0.5, -2.0], [-1.0, -2.0, -0.5]])
    fake = torch.tensor([[-2.0, 1.5, 0.0], [-3.0, -1.0, -4.0]])
    got = unsup(real, fake)
    unsup.shape(got, (), what='the unsupervised loss')

    def log_probs(logits):
        l = logits.double()
        full = torch.cat([l, torch.zeros(len(l), 1, dtype=l.dtype)], dim=1)
        return full - full.exp().sum(1, keepdim=True).log()

    def log_d(logits):
        return log_probs(logits)[:, :-1].exp().sum(1).log()

    def log_1md(logits):
        return log_probs(logits)[:, -1]
    want = -log_d(real).mean() - log_1md(fake).mean()

    def sigmoid_loss(r, f):
        return -torch.nn.functional.logsigmoid(r).mean() - torch.nn.functional.logsigmoid(-f).mean()
    r, f = (real.double(), fake.double())
    mistakes = {'the unlabelled-real term has the wrong sign: D maximises log D(x) on real samples, so the loss has -mean log D(x_real) (= +mean softplus(-lse)).': log_d(real).mean() - log_1md(fake).mean(), 'you swapped real and fake: real samples give -log D(x), generated ones -log(1 - D(G(z))).': -log_1md(real).mean() - log_d(fake).mean(), "you treated the last column as a learned fake logit: the K columns are all real classes, and the fake class's logit is the constant 0, which is not passed in. Use D(x) = Z / (Z + 1) with Z = sum_k exp(l_k) over all K columns.": sigmoid_loss(r[:, :-1].logsumexp(1) - r[:, -1], f[:, :-1].logsumexp(1) - f[:, -1]), 'you used the largest logit max_k l_k where log Z = logsumexp_k l_k belongs: D(x) = sigmoid(logsumexp(l)), use torch.logsumexp over the classes.': sigmoid_loss(r.max(1).values, f.max(1).values), 'you used the mean of the logits where log Z = logsumexp_k l_k belongs: D(x) = sigmoid(logsumexp(l)).': sigmoid_loss(r.mean(1), f.mean(1)), 'you summed over the samples: the loss is the mean over the real batch plus the mean over the generated batch.': -log_d(real).sum() - log_1md(fake).sum(), 'you averaged the two terms: the loss is their sum, with no factor 1/2.': want / 2, 'sign error: you returned mean log D(x) + mean log(1 - D(G(z))), which D maximises; the loss D minimises is its negative.': -want}
    unsup.close(got, want, what='the unsupervised loss on a (3, 3) real and a (2, 3) fake batch', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q2_stable_at_large_logits(unsupervised_discriminator_loss):
    import math
    import torch
    from gancourse.grading import Answer
    unsup = Answer('q2', 'unsupervised_discriminator_loss', unsupervised_discriminator_loss)
    real = torch.tensor([[1000.0, 0.0, -5.0], [-1000.0, -1000.0, -1000.0]])
    fake = torch.tensor([[-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 0.0]])
    got = unsup.tensor(unsup(real, fake), what='the unsupervised loss')
    if not bool(torch.isfinite(got).all()):
        unsup.fail('your loss is inf or nan at logits of +-1000: in float32 exp(1000) is inf and exp(-1000) is 0, so Z / (Z + 1) is nan or its log is -inf (an unstable exp/log). Work in log space: s = torch.logsumexp(logits, dim=1), log D = -softplus(-s), log(1 - D) = -softplus(s).')
    want = torch.tensor((1000.0 - math.log(3.0)) / 2 + (1000.0 + math.log(2.0)) / 2)
    unsup.close(got, want, what='the loss at logits of +-1000 (1000 + log(2/3) / 2)')

