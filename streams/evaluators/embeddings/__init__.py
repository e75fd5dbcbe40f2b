"""Local sentence embedders whose weights ship inside installed packages: nothing is downloaded."""
