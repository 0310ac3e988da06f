from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False)
def test_q1_value(discriminator_loss):
    import torch
    from gancourse.grading import Answer
    d_loss = Answer('q1', 'discriminator_loss', discriminator_loss)
    real = torch.tensor([2.0, -1.0, 0.5, 3.0])
    fake = torch.tensor([-2.0, 1.5, 0.0])

    def p(logits):
        return 1 / (1 + torch.exp(-logits.double()))
    got = d_loss(real, fake)
    d_loss.shape(got, (), what="the discriminator's loss")
    want = -torch.log(p(real)).mean() - torch.log(1 - p(fake)).mean()
    mistakes = {'you swapped the labels: real samples have label 1 (the term -log D(x)), generated ones label 0 (the term -log(1 - D(G(z)))).': -torch.log(1 - p(real)).mean() - torch.log(p(fake)).mean(), 'you applied a sigmoid to the logits before a loss that applies its own (such as F.binary_cross_entropy_with_logits): the sigmoid was applied twice. Pass the logits.': -torch.log(p(p(real))).mean() - torch.log(1 - p(p(fake))).mean(), 'you returned the real term only: add the fake term -mean log(1 - D(G(z))).': -torch.log(p(real)).mean(), 'you returned the fake term only: add the real term -mean log D(x).': -torch.log(1 - p(fake)).mean(), 'you summed over the samples: the loss is the mean over the real batch plus the mean over the generated batch.': -torch.log(p(real)).sum() - torch.log(1 - p(fake)).sum(), 'you took one mean over the real and generated samples together (one BCE on the concatenated batch?): the loss is the sum of the two batch means.': (-torch.log(p(real)).sum() - torch.log(1 - p(fake)).sum()) / 7, 'you averaged the two terms: the loss is their sum, with no factor 1/2.': want / 2, 'sign error: you returned V = mean log D(x) + mean log(1 - D(G(z))), which D maximises; the loss D minimises is -V.': -want, 'the fake term is -log(1 - D(G(z))) (label 0): you used -log D(G(z)).': -torch.log(p(real)).mean() - torch.log(p(fake)).mean()}
    d_loss.close(got, want, what='the loss on real logits [2, -1, 0.5, 3] and fake logits [-2, 1.5, 0]', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q1_stable_at_large_logits(discriminator_loss):
    import torch
    from gancourse.grading import Answer
    d_loss = Answer('q1', 'discriminator_loss', discriminator_loss)
    real, fake = (torch.tensor([-150.0, 40.0]), torch.tensor([150.0, -40.0]))
    got = d_loss.tensor(d_loss(real, fake), what="the discriminator's loss")
    if not bool(torch.isfinite(got).all()):
        d_loss.fail('your loss is inf or nan at logits of +-150: in float32 sigmoid(-150) is 0 and sigmoid(150) is 1, so log(sigmoid) or log(1 - sigmoid) takes log(0). Compute the loss from the logits: -log sigmoid(l) = softplus(-l), -log(1 - sigmoid(l)) = softplus(l).')
    mistakes = {'you applied torch.sigmoid, then F.binary_cross_entropy: it clamps log(0) to -100, so your loss is wrong once D is very sure. Use F.binary_cross_entropy_with_logits on the logits.': 100.0}
    d_loss.close(got, 150.0, what='the loss at logits of +-150 (exactly 150)', mistakes=mistakes)

