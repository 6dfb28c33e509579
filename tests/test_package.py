"""The package as users import it."""
import subprocess
import sys

import ebm_nb


def test_lazy_names_match_the_rbm_module():
    import ebm_nb.rbm
    assert set(ebm_nb._LAZY["rbm"]) == set(ebm_nb.rbm.__all__)


def test_import_is_light():
    code = "import sys, ebm_nb; print(any(m.split('.')[0] in ('sklearn', 'matplotlib') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_unknown_attribute():
    import pytest
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ebm_nb.nope
