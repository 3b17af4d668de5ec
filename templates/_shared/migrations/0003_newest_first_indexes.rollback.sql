-- Undoes 0003_newest_first_indexes.sql.
CREATE INDEX IF NOT EXISTS posts_author_id_idx ON posts (author_id);
DROP INDEX IF EXISTS posts_author_id_created_at_id_idx;

CREATE INDEX IF NOT EXISTS comments_post_id_idx ON comments (post_id);
DROP INDEX IF EXISTS comments_post_id_created_at_id_idx;
