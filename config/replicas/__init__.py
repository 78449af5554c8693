"""Read replicas (DATABASE_REPLICA_URLS): reads marked replica-safe go to a streaming replica, the rest
to the primary. See docs/replicas.md.

- `replica_reads()` (a context manager and a decorator) marks the reads of a block or a view as
  replica-safe: the order list and its search, the dashboard, the customer and product searches, and
  the API's GET operations (config/api). Nothing else ever reads from a replica.
- The router (config/replicas/router.py) sends such a read to a healthy replica unless it runs inside
  a transaction of the primary, or the user has just written (read-your-writes, below).
- A replica is skipped when it is down or more than DATABASE_REPLICA_MAX_LAG_SECONDS behind
  (config/replicas/health.py checks each at most every REPLICA_CHECK_SECONDS per process); reads then
  go to the primary, and /healthz reports each replica.
- After a request that may write (POST, PUT, PATCH, DELETE) the middleware pins the user to the
  primary for REPLICA_PIN_SECONDS, or until a replica has replayed past the primary's WAL position
  (LSN) at the end of that request (config/replicas/pins.py).
"""

from config.replicas.state import replica_reads

__all__ = ["replica_reads"]
