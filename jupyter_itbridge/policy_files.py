"""Where the policy's config files are, and how they load: apart from the policy class.

A kernel start asks these files whether anything configures the policy before it imports the
class (traitlets traits, ~1 ms): most kernels run with no policy file at all. Pure: no
kernel/server imports.
"""

from __future__ import annotations

import os

from traitlets.config import Config

#: The config sections that can configure :class:`~jupyter_itbridge.policy.ITBridgePolicy`
#: (its ``section_names()``; a test keeps the two equal).
SECTION_NAMES = ("Configurable", "ITBridgePolicy")

CONFIG_FILE_BASENAMES = ("jupyter_server_config", "jupyter_itbridge_config")


def config_files(
    paths: list[str] | None = None, basenames: tuple[str, ...] = CONFIG_FILE_BASENAMES
) -> list[str]:
    """Existing admin config files on the Jupyter config path, lowest priority first.

    Per directory: ``<base>.d/*.json`` fragments, then ``<base>.py``, then ``<base>.json``
    (traitlets applications' order: ``.json`` wins). ``jupyter itbridge doctor`` lists these.
    """
    from jupyter_core.paths import jupyter_config_path

    found = []
    for directory in reversed(paths if paths is not None else jupyter_config_path()):
        for base in basenames:
            fragments = os.path.join(directory, base + ".d")
            if os.path.isdir(fragments):
                found += [
                    os.path.join(fragments, name)
                    for name in sorted(os.listdir(fragments))
                    if name.endswith(".json")
                ]
            for ext in (".py", ".json"):
                path = os.path.join(directory, base + ext)
                if os.path.isfile(path):
                    found.append(path)
    return found


def load_config_file(path: str) -> Config:
    """One ``.py`` or ``.json`` config file, as traitlets loads it."""
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

    directory, name = os.path.split(os.path.abspath(path))
    loader = PyFileConfigLoader if name.endswith(".py") else JSONFileConfigLoader
    return loader(name, directory).load_config()


def load_jupyter_config(
    paths: list[str] | None = None, basenames: tuple[str, ...] = CONFIG_FILE_BASENAMES
) -> Config:
    """Load admin config the way jupyter-server does, for processes without a server.

    Reads ``jupyter_server_config.{json,py}`` (and ``.d/`` fragments) and
    ``jupyter_itbridge_config.{json,py}`` from the Jupyter config path, lowest priority first.
    """
    config = Config()
    for path in config_files(paths, basenames):
        config.merge(load_config_file(path))
    return config
