from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=2, hidden=False)
def test_q1_value(supervised_loss):
    import torch
    from gancourse.grading import Answer
    sup = Answer('q1', 'supervised_loss', supervised_loss)
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0], [1.0, 1.5, 4.0], [-3.0, 0.0, 2.5]])
    labels = torch.tensor([0, 2, 1, 2])
    got = sup(logits, labels)
    sup.shape(got, (), what='the supervised loss')
    l = logits.double()
    rows = torch.arange(4)

    def nll(log_p):
        return -log_p[rows, labels].mean()
    want = nll(l - l.exp().sum(1, keepdim=True).log())
    p = l.exp() / l.exp().sum(1, keepdim=True)
    with_fake = torch.cat([l, torch.zeros(4, 1, dtype=l.dtype)], dim=1)
    mistakes = {'you applied a softmax before F.cross_entropy, which applies its own log-softmax: the softmax was applied twice. Pass the logits to F.cross_entropy.': nll(p - p.exp().sum(1, keepdim=True).log()), 'you took -logits[i, y_i] (F.nll_loss on the raw logits?): F.nll_loss expects log-probabilities. Apply F.log_softmax first, or use F.cross_entropy on the logits.': nll(l), 'you summed over the batch: the supervised loss is the mean over the batch.': 4 * want, 'you appended the fake class (a logit 0) and took the softmax over K+1 classes: the supervised loss is conditional on the sample being real, a softmax over the K real classes only.': nll(with_fake - with_fake.exp().sum(1, keepdim=True).log()), 'sign error: the loss is -mean log p(y | x), which is positive.': -want}
    sup.close(got, want, what='the supervised loss on 4 samples of 3 classes', mistakes=mistakes)

