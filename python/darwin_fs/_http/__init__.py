"""HTTP plumbing shared by every client: calls, JSON, errors, retries, the sync and async transports."""
