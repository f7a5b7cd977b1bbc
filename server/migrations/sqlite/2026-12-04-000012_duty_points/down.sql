DROP TABLE points_results;
DROP TABLE points_lines;
DROP TABLE points_disputes;
DROP TABLE points_entries;
DROP TABLE points_caps;
DROP TABLE points_rules;
DROP TABLE points_years;
