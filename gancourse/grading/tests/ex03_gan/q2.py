from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 4

@test_case(points=1, hidden=False)
def test_q2_values(minimax_generator_loss, nonsaturating_generator_loss):
    import torch
    from gancourse.grading import Answer
    sat = Answer('q2', 'minimax_generator_loss', minimax_generator_loss)
    ns = Answer('q2', 'nonsaturating_generator_loss', nonsaturating_generator_loss)
    fake = torch.tensor([-3.0, -1.5, 0.5, 2.0])
    p = 1 / (1 + torch.exp(-fake.double()))
    log_d, log_1md = (torch.log(p).mean(), torch.log(1 - p).mean())
    got = sat(fake)
    sat.shape(got, (), what='the saturating loss')
    mistakes = {'minimax_generator_loss returned the non-saturating loss -mean log D(G(z)): the two are swapped. The saturating (minimax) loss is mean log(1 - D(G(z))).': -log_d, "minimax_generator_loss has the wrong sign: -mean log(1 - D(G(z))) is the fake term of D's loss, which D minimises; G minimises +mean log(1 - D(G(z))).": -log_1md, 'minimax_generator_loss returned mean log D(G(z)): the saturating loss is mean log(1 - D(G(z))).': log_d, 'minimax_generator_loss sums over the batch: take the mean.': 4 * log_1md}
    sat.close(got, log_1md, what='the saturating loss on logits [-3, -1.5, 0.5, 2]', mistakes=mistakes)
    got = ns(fake)
    ns.shape(got, (), what='the non-saturating loss')
    mistakes = {'nonsaturating_generator_loss returned the saturating loss mean log(1 - D(G(z))): the two are swapped. The non-saturating loss is -mean log D(G(z)).': log_1md, 'nonsaturating_generator_loss has the wrong sign: G maximises mean log D(G(z)), so the loss it minimises is -mean log D(G(z)).': log_d, "nonsaturating_generator_loss used label 0 for the generated samples (-mean log(1 - D(G(z))), D's fake term): G's loss uses label 1, -mean log D(G(z)).": -log_1md, 'nonsaturating_generator_loss sums over the batch: take the mean.': -4 * log_d}
    ns.close(got, -log_d, what='the non-saturating loss on logits [-3, -1.5, 0.5, 2]', mistakes=mistakes)

@test_case(points=1, hidden=False)
def test_q2_gradients_when_D_rejects_the_fakes(minimax_generator_loss, nonsaturating_generator_loss):
    import torch
    from gancourse.grading import Answer
    sat = Answer('q2', 'minimax_generator_loss', minimax_generator_loss)
    ns = Answer('q2', 'nonsaturating_generator_loss', nonsaturating_generator_loss)
    fake = torch.tensor([-9.0, -7.0, -8.0, -6.0], requires_grad=True)
    s = torch.sigmoid(fake.detach().double())
    got = sat.tensor(sat(fake), what='the saturating loss')
    sat.differentiable(got, {'fake_logits': fake}, what='the saturating loss')
    mistakes = {'your saturating loss has the gradient of the non-saturating one, (sigmoid(l) - 1) / B: are the two losses swapped?': (s - 1) / 4, 'the gradient of your saturating loss has the wrong sign: G minimises mean log(1 - D(G(z))).': s / 4}
    sat.close(fake.grad, -s / 4, rtol=0.001, atol=1e-09, mistakes=mistakes, what='d(saturating loss)/d logits at logits [-9, -7, -8, -6] (tiny: it saturates)')
    got = ns.tensor(ns(fake), what='the non-saturating loss')
    ns.differentiable(got, {'fake_logits': fake}, what='the non-saturating loss')
    mistakes = {'your non-saturating loss has the gradient of the saturating one, -sigmoid(l) / B, which vanishes when D rejects the fakes: are the two losses swapped?': -s / 4, 'the gradient of your non-saturating loss has the wrong sign: G minimises -mean log D(G(z)).': (1 - s) / 4}
    ns.close(fake.grad, (s - 1) / 4, rtol=0.001, atol=1e-09, mistakes=mistakes, what='d(non-saturating loss)/d logits at logits [-9, -7, -8, -6] (about -1/B)')

@test_case(points=1, hidden=False)
def test_q2_stable_at_large_logits(minimax_generator_loss, nonsaturating_generator_loss):
    import math
    import torch
    from gancourse.grading import Answer
    fake = torch.tensor([150.0, -150.0, 0.0])
    big = (150.0 + math.log(2.0)) / 3
    cases = [('minimax_generator_loss', minimax_generator_loss, -big, -(100.0 + math.log(2.0)) / 3), ('nonsaturating_generator_loss', nonsaturating_generator_loss, big, (100.0 + math.log(2.0)) / 3)]
    for name, fn, want, clamped in cases:
        answer = Answer('q2', name, fn)
        got = answer.tensor(answer(fake), what=f'`{name}`')
        if not bool(torch.isfinite(got).all()):
            answer.fail(f'`{name}` is inf or nan at logits of +-150: in float32 sigmoid(-150) is 0 and sigmoid(150) is 1, so log(sigmoid) or log(1 - sigmoid) takes log(0). Compute it from the logits: log(1 - sigmoid(l)) = -softplus(l), -log sigmoid(l) = softplus(-l).')
        mistakes = {f'`{name}` applies torch.sigmoid, then F.binary_cross_entropy: it clamps log(0) to -100, so the loss is wrong once D is very sure. Use F.softplus (or F.binary_cross_entropy_with_logits) on the logits.': clamped}
        answer.close(got, want, what=f'`{name}` at logits [150, -150, 0]', mistakes=mistakes)

