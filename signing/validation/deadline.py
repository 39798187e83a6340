"""Waits that end whatever the clock does.

A wait that measures time with the clock never ends when the clock misbehaves: a frozen clock
never reaches the deadline, and a clock faked by ``LD_PRELOAD`` (libfaketime) but not in every
libc call makes CPython's timed lock waits (``Event.wait(t)``, ``Thread.join(t)``,
``queue.get(timeout=t)``) compute their deadline on the faked clock and wait for it on the
real one, i.e. for years. ``lk verify`` under ``faketime -f +3y`` hung that way (a
``threading.Timer`` of the web app's rate limiter, joined at exit).

The kernel's *relative* timeouts do not read the clock: ``poll(2)`` with a timeout, socket
timeouts, ``nanosleep``. :func:`call_within` bounds a call with one of them, so validation
code that calls out (the network) returns after ``seconds`` of real time however the clock is
set, frozen or faked.
"""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["DeadlineExceeded", "call_within"]

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    """The call did not finish in the time given; it is left to finish on its own."""


def call_within(fn: Callable[[], T], seconds: float, *, name: str = "lk-bounded-call") -> T:
    """``fn()``'s result or exception, if it comes within ``seconds`` of real time; else
    :class:`DeadlineExceeded`.

    ``fn`` runs in a daemon thread that reports on a pipe; this thread waits with
    ``poll(2)``, whose timeout is relative (no clock is read). A call that overruns is
    abandoned, not killed: it must bound itself too (socket timeouts), and being a daemon
    thread it never delays the interpreter's exit.
    """
    read_end, write_end = os.pipe()
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(fn())
        except BaseException as e:  # noqa: BLE001 - handed to the caller as it is
            errors.append(e)
        finally:
            try:
                os.write(write_end, b"!")
            except OSError:
                pass  # the caller gave up and closed its end
            os.close(write_end)

    try:
        worker = threading.Thread(target=run, name=name, daemon=True)
        worker.start()
    except BaseException:
        os.close(read_end)
        os.close(write_end)
        raise
    try:
        poller = select.poll()
        poller.register(read_end, select.POLLIN)
        ready = poller.poll(max(0, int(seconds * 1000)))
    finally:
        os.close(read_end)
    if ready and errors:
        raise errors[0]
    if ready and results:
        return results[0]
    raise DeadlineExceeded(f"no answer within {seconds:g} s")
