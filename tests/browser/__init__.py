"""Browser tests: the real app on a loopback port, driven through Debian's Chromium."""
