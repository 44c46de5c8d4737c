"""Privacy (AVG): how long the bank must keep a former member's data, and erasing it after."""
