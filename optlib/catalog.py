"""What each optimizer is: the lecture's comparison table, as data.

The slide "Gradient descent optimization algorithms" lists each method with its
year and whether it adapts the learning rate and/or the gradient (direction).
`TABLE` holds the same facts next to the optlib class that implements them.
"""

from typing import NamedTuple

from .adam import Adam, AdaMax, AMSGrad, Nadam
from .adaptive import Adadelta, Adagrad, RMSprop
from .gd import GD, Momentum, Nesterov, SignGD
from .rprop import IRpropMinus, Rprop


class Entry(NamedTuple):
    """One row of the lecture's comparison table."""

    optimizer: type  # the optlib class
    year: int  # as on the slide (Nesterov: 2013, its deep-learning use; the method is 1983)
    adapts_learning_rate: bool  # per-parameter step sizes from gradient statistics
    adapts_gradient: bool  # the step direction uses past gradients (momentum)
    citation: str | None  # key in book/references.bib, if the book cites one
    on_slide_table: bool  # listed in the lecture's table


TABLE = [
    Entry(GD, 1847, False, False, None, False),  # Cauchy 1847
    Entry(Momentum, 1964, False, True, "polyak1964", True),
    Entry(Rprop, 1993, True, False, "riedmiller1993", False),
    Entry(IRpropMinus, 2000, True, False, "igel2000", False),
    Entry(Adagrad, 2011, True, False, "duchi2011", True),
    Entry(RMSprop, 2012, True, False, "tieleman2012", True),
    Entry(Adadelta, 2012, True, False, "zeiler2012", True),
    Entry(Nesterov, 2013, False, True, "sutskever2013", True),
    Entry(Adam, 2014, True, True, "kingma2014", True),
    Entry(AdaMax, 2015, True, True, "kingma2014", True),
    Entry(Nadam, 2015, True, True, "dozat2016", True),
    Entry(AMSGrad, 2018, True, True, "reddi2018", True),
    Entry(SignGD, 2018, False, False, None, False),  # signSGD, Bernstein et al. 2018
]


def lecture_table():
    """The rows of the slide's table, in its order (by year)."""
    return [entry for entry in TABLE if entry.on_slide_table]
