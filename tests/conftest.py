"""Settings for the whole suite."""
import pytest

# Whole Gluon 1.x projects used as input (they hold test modules of their own, which are data here).
collect_ignore_glob = ["codemod/projects/*", "frontends/golden/corpus/*", "projects/*"]


@pytest.fixture(autouse=True, scope="session")
def _private_project_cache(tmp_path_factory):
    """The project cache (see gluon_codemod.run.project_cache) goes to a folder of this test session, for the
    tests and the commands they start, not to the user's cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def download_folder(request, tmp_path_factory):
    """`download_folder(name)`: a folder for packages downloaded from PyPI, kept in pytest's cache between
    runs (a fresh temporary folder when the cache plugin is off: `-p no:cacheprovider`)."""
    cache = getattr(request.config, "cache", None)

    def folder(name: str) -> str:
        return str(cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name))
    return folder
