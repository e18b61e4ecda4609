"""Our side of the payment wires: the shared ledger, the Stripe gateway and its webhook endpoint."""
