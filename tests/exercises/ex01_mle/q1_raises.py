# A q1 answer that raises: graded as wrong, the grader and the other questions unaffected.
# expect q1: raised NotImplementedError
def gaussian_mle(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    raise NotImplementedError("I will do this later")
