"""Documents as the portal handles them: generation from domain data, states, delivery."""
