# Short recipes for people who have `just`. Every recipe forwards to `cargo xtask`.

default:
    @just --list

# formatting, clippy and every test suite (the CI command)
test:
    cargo xtask test

# formatting check only
fmt:
    cargo xtask fmt

# clippy, warnings denied
lint:
    cargo xtask lint

# the KDF benchmark against libsodium
bench-kdf:
    cargo xtask bench-kdf

# fuzz one target for a number of seconds (needs nightly)
fuzz target seconds="60":
    cargo xtask fuzz {{target}} {{seconds}}
