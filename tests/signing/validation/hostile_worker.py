"""Run in a subprocess with limited memory: validate each file given on the command line and
print one line per file: ``<name> <outcome>`` where outcome is ``report:<indications>`` or
``error:<ExceptionType>``. Any other exception type is a bug and is printed as ``crash:``."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path


def main() -> None:
    from signing.validation import ValidationError, ValidationSettings, validate_pdf

    settings = ValidationSettings(max_file_size=64 * 1024 * 1024)

    def alarm(signum, frame):  # type: ignore[no-untyped-def]
        raise TimeoutError("took too long")

    signal.signal(signal.SIGALRM, alarm)
    for arg in sys.argv[1:]:
        path = Path(arg)
        start = time.monotonic()
        signal.alarm(20)
        try:
            report = validate_pdf(path.read_bytes(), settings)
            outcome = "report:" + ",".join(s.indication.value for s in report.signatures)
        except ValidationError as e:
            outcome = f"error:{type(e).__name__}"
        except BaseException as e:  # noqa: BLE001 - reported to the test as a crash
            outcome = f"crash:{type(e).__name__}:{e}"
        finally:
            signal.alarm(0)
        print(f"{path.name} {outcome} {time.monotonic() - start:.2f}", flush=True)


if __name__ == "__main__":
    main()
