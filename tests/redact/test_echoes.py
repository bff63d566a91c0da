"""A secret the rules found is also removed where the text repeats it, the same way in every
process: the kernel's preview and the server's copy must be byte-equal, and each process has
its own hash seed (a set's order is not the same in both)."""

from __future__ import annotations

import os
import subprocess
import sys

from jupyter_itbridge.redact import MARK, redact

# Two secrets of the same length that overlap where the log line repeats them: removing one
# first leaves the other unfound, so the order between them decides the output.
OVERLAP = "password=abcd1234 api_token=1234efgh log: abcd1234efgh"


def test_an_echo_of_a_found_secret_goes_too() -> None:
    out = redact("password=S3cr3t!pw failed; retrying with S3cr3t!pw")
    assert "S3cr3t!pw" not in out and out.count(MARK) == 2


def test_overlapping_echoes_are_removed_in_the_order_found() -> None:
    assert redact(OVERLAP).endswith(f"log: {MARK}efgh")


def test_the_output_does_not_depend_on_the_hash_seed() -> None:
    code = f"from jupyter_itbridge.redact import redact; print(redact({OVERLAP!r}))"
    outputs = set()
    for seed in range(8):  # before the fix, 2 seeds in 10 gave "abcd[REDACTED]" instead
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(run.stdout)
    assert outputs == {redact(OVERLAP) + "\n"}


def test_a_url_password_goes_whole_before_its_tail() -> None:
    # The URL rule records the password and, for the host a driver echoes, its tail after the
    # "@"; both are 8 characters as recorded. The password must be searched first, or the echo
    # keeps "p@" (what 7 hash seeds in 8 gave before).
    out = redact("url postgresql://alice:p@ssw0rd@db.example echo p@ssw0rd@d&x")
    assert out == f"url postgresql://alice:{MARK}@db.example echo {MARK}@d&x"
