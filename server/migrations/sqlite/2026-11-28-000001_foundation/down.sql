DROP TABLE signing_keys;
DROP TABLE refresh_tokens;
DROP TABLE activation_codes;
DROP TABLE users;
DROP TABLE sectors;
DROP TABLE committees;
