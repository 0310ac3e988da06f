from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=1, hidden=False)
def test_q1_value(critic_loss):
    import torch
    from gancourse.grading import Answer
    loss = Answer('q1', 'critic_loss', critic_loss)
    real = torch.tensor([2.0, -1.0, 0.5, 3.0])
    fake = torch.tensor([-2.0, 1.5, 0.0])
    r, f = (real.double(), fake.double())

    def softplus(t):
        return torch.log1p(torch.exp(t))
    got = loss(real, fake)
    loss.shape(got, (), what="the critic's loss")
    want = f.mean() - r.mean()
    mistakes = {'sign error: you returned mean f(real) - mean f(fake), the estimate of W1 the critic maximises; the loss it minimises is mean f(fake) - mean f(real).': -want, 'you used the vanilla GAN discriminator loss (binary cross-entropy on logits): a WGAN critic outputs unbounded scores, and its loss is mean f(fake) - mean f(real), with no sigmoid or log.': softplus(-r).mean() + softplus(f).mean(), "you applied a sigmoid to the scores: a WGAN critic's scores are used as they are, mean f(fake) - mean f(real).": torch.sigmoid(f).mean() - torch.sigmoid(r).mean(), 'you summed over the samples: the loss is the mean over the generated batch minus the mean over the real batch.': f.sum() - r.sum(), 'you summed over the samples and flipped the sign: the loss is mean f(fake) - mean f(real).': r.sum() - f.sum(), 'you took one mean over the real and generated samples together: the loss is the difference of the two batch means.': (f.sum() - r.sum()) / 7, 'you returned the fake term only: subtract the mean score on the real batch.': f.mean(), 'you returned the real term only: the loss is mean f(fake) - mean f(real).': -r.mean(), "you returned -mean f(fake), the generator's WGAN loss: the critic's loss is mean f(fake) - mean f(real).": -f.mean()}
    loss.close(got, want, what='the loss on real scores [2, -1, 0.5, 3] and fake scores [-2, 1.5, 0]', mistakes=mistakes)

