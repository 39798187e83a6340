"""The supplier itself: its requisites, VAT rate, currency and login prefix."""
