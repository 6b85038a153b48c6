"""Settings for the whole suite."""
import pytest

# Whole Gluon 1.x projects used as input (they hold test modules of their own, which are data here).
collect_ignore_glob = ["codemod/projects/*"]


@pytest.fixture(autouse=True, scope="session")
def _private_project_cache(tmp_path_factory):
    """The project cache (see gluon_codemod._project_cache) goes to a folder of this test session, for the
    tests and the commands they start, not to the user's cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()
