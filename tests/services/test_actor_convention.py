"""The trusted-caller convention: services name their actor, ``SYSTEM`` says "trusted"."""

import copy
import pickle

from chatproject.actors import SYSTEM, SystemActor, is_system


def test_system_is_one_value_that_survives_copying():
    assert copy.deepcopy(SYSTEM) is SYSTEM
    assert pickle.loads(pickle.dumps(SYSTEM)) is SYSTEM
    assert list(SystemActor) == [SYSTEM]
    assert repr(SYSTEM) == "SYSTEM"


def test_only_system_is_system(django_user_model):
    assert is_system(SYSTEM)
    assert not is_system(None)
    assert not is_system(django_user_model(username="x"))
