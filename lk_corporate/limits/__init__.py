"""Consumption-limit requests («Заявка на лимиты потребления»)."""
