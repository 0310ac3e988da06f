"""gancourse: the companion package of "GANs from maximum likelihood to WGAN-GP".

Importing the package does no work: no data is loaded, no device is probed and no random state
is touched until a function is called. Submodules are imported explicitly, e.g.
``from gancourse.data import load_digits``.
"""

from gancourse.device import get_device
from gancourse.profiles import Profile, by_profile, get_profile
from gancourse.seed import seed_everything

__version__ = "0.1.0"

__all__ = ["Profile", "__version__", "by_profile", "get_device", "get_profile", "seed_everything"]
