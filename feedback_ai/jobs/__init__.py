"""Import jobs: their state in the database, the lease that gives one process a job, the runner."""
