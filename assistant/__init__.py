"""spine-qa: grounded answers about spine and pain care, each citing the exact passages it rests on."""

