DROP TABLE calendar_keys;
DROP TABLE calendar_feed_events;
DROP TABLE calendar_feeds;
