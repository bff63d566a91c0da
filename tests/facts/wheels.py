"""Real distribution files built in the test: wheels (and sdists) with real core metadata.

A wheel here is what pip reads: a zip with ``<name>-<version>.dist-info/METADATA``, ``WHEEL``
and ``RECORD`` (hashes of every other file, as the wheel spec asks).
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from dataclasses import dataclass, field


@dataclass
class Dist:
    """One release of a test package, with the metadata fields the facts read."""

    name: str
    version: str
    summary: str = "A package built by the package-facts tests"
    license_expression: str | None = None
    license: str | None = None
    classifiers: list[str] = field(default_factory=list)
    requires_python: str | None = None
    requires_dist: list[str] = field(default_factory=list)
    project_urls: dict[str, str] = field(default_factory=dict)

    @property
    def module(self) -> str:
        return self.name.replace("-", "_").lower()

    def metadata(self) -> str:
        lines = [
            "Metadata-Version: 2.4",
            f"Name: {self.name}",
            f"Version: {self.version}",
            f"Summary: {self.summary}",
        ]
        if self.license_expression:
            lines.append(f"License-Expression: {self.license_expression}")
        if self.license:
            lines.append(f"License: {self.license}")
        lines += [f"Classifier: {c}" for c in self.classifiers]
        if self.requires_python:
            lines.append(f"Requires-Python: {self.requires_python}")
        lines += [f"Requires-Dist: {r}" for r in self.requires_dist]
        extras = sorted(
            {r.split("extra ==")[1].strip(" '\"") for r in self.requires_dist if "extra ==" in r}
        )
        lines += [f"Provides-Extra: {e}" for e in extras]
        lines += [f"Project-URL: {label}, {url}" for label, url in self.project_urls.items()]
        return "\n".join(lines) + "\n\n"

    @property
    def wheel_name(self) -> str:
        return f"{self.module}-{self.version}-py3-none-any.whl"

    @property
    def sdist_name(self) -> str:
        return f"{self.module}-{self.version}.tar.gz"

    def wheel(self) -> bytes:
        dist_info = f"{self.module}-{self.version}.dist-info"
        files = {
            f"{self.module}/__init__.py": f'__version__ = "{self.version}"\n'.encode(),
            f"{dist_info}/METADATA": self.metadata().encode(),
            f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: itbridge-tests\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        }
        record = []
        for path, data in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path},sha256={digest.decode()},{len(data)}")
        record.append(f"{dist_info}/RECORD,,")
        files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, data in files.items():
                archive.writestr(path, data)
        return buf.getvalue()

    def sdist(self) -> bytes:
        root = f"{self.module}-{self.version}"
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as archive:
            for path, data in {
                f"{root}/PKG-INFO": self.metadata().encode(),
                f"{root}/{self.module}/__init__.py": b"",
            }.items():
                info = tarfile.TarInfo(path)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return buf.getvalue()
