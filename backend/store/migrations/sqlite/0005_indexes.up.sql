-- FindTileByName looks a tile up by name (then checks its project).
CREATE INDEX tiles_name ON tiles (name, image_id);
-- A pipeline's jobs, and the cascade when a pipeline is deleted.
CREATE INDEX training_jobs_pipeline ON training_jobs (pipeline_id);
-- Signing in deletes the sessions that expired.
CREATE INDEX sessions_expires ON sessions (expires_at);
