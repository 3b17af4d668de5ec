-- db: no-transaction
-- Undoes 0003_newest_first_indexes.sql, without blocking writes either.
CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_id_idx ON posts (author_id);
DROP INDEX CONCURRENTLY IF EXISTS posts_author_id_created_at_id_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS comments_post_id_idx ON comments (post_id);
DROP INDEX CONCURRENTLY IF EXISTS comments_post_id_created_at_id_idx;
