-- Undoes 0001_initial_schema.sql (children first).
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE likes;
DROP TABLE comments;
DROP TABLE posts;
DROP TABLE users;
