from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=None, hidden=False)
def test_q4_jsd_value(jsd_value):
    from gancourse.grading import Answer
    hint = 'for theta != 0 the supports are disjoint: wherever P_0 has mass, P_theta has none, so the mixture there is m = P_0 / 2 and log(P_0 / m) = log 2; the same holds for P_theta. JSD = log 2 for every theta != 0, however close the segments are.'
    answer = Answer('q4', 'jsd_value', jsd_value)
    answer.choice(jsd_value, ('0', '0.5', 'log 2', 'infinity'), correct='log 2', wrong=hint)

@test_case(points=None, hidden=False)
def test_q4_w1_value(w1_value):
    from gancourse.grading import Answer
    hint = 'the cheapest way to turn P_theta into P_0 moves every point (theta, z) straight sideways to (0, z), a distance |theta|: W1 = |theta|, which shrinks as the segments approach.'
    answer = Answer('q4', 'w1_value', w1_value)
    answer.choice(w1_value, ('0', '0.5', 'log 2', 'infinity'), correct='0.5', wrong=hint)

@test_case(points=None, hidden=False)
def test_q4_useful_gradient(useful_gradient):
    from gancourse.grading import Answer
    hint = 'the JSD is the constant log 2 for every theta != 0, so its derivative is 0: it says nothing about which way to move. W1 = |theta| has derivative sign(theta), pointing the generator back to theta = 0.'
    answer = Answer('q4', 'useful_gradient', useful_gradient)
    answer.choice(useful_gradient, ('jsd', 'w1', 'both', 'neither'), correct='w1', wrong=hint)

