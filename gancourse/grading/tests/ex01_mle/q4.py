from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 1

@test_case(points=None, hidden=False)
def test_q4_mode_seeking(mode_seeking):
    from gancourse.grading import Answer
    hint = 'KL(p_data || p_theta) averages log(p_data / p_theta) over the data: wherever the data has mass and p_theta has almost none, the penalty is huge, so that fit must cover every mode. The other KL averages over samples of p_theta: it only punishes mass where there is no data.'
    answer = Answer('q4', 'mode_seeking', mode_seeking)
    answer.choice(mode_seeking, ('forward', 'reverse'), correct='reverse', wrong=hint)

@test_case(points=None, hidden=False)
def test_q4_mle(mle_minimises):
    from gancourse.grading import Answer
    hint = 'the expected log-likelihood of the data is E_{x ~ p_data}[log p_theta(x)] = -KL(p_data || p_theta) - H(p_data), and H(p_data) does not depend on theta.'
    answer = Answer('q4', 'mle_minimises', mle_minimises)
    answer.choice(mle_minimises, ('forward', 'reverse'), correct='forward', wrong=hint)

