"""The tenant portal: a tenant's users read their own resources, drift and invoices."""
