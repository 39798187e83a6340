"""The JSON API ``/api/v1`` for accounting software, and the personal API tokens it takes."""
