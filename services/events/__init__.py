"""Reading stored events back, with what was derived from them."""
