-- The styles every installation starts with (MyMoodAI's catalog; admins edit it at run time).
-- `{subject}` in a template becomes "a man", "a woman" or "a person" from the order's gender.
-- Ids 112, 5 and 2572 are the ones the MyMoodAI documentation uses in its examples.
INSERT INTO "styles" ("id", "name", "prompt_template", "description", "updated_at") VALUES
(1, 'Studio Headshot', 'a professional studio headshot of {subject}, soft key light, neutral grey background, 85mm lens', 'Clean business portrait for profiles and CVs.', now()),
(2, 'Oil Painting', 'a classical oil painting portrait of {subject}, visible brush strokes, warm palette, museum lighting', 'Old-master painting look.', now()),
(3, 'Anime', 'an anime illustration of {subject}, cel shading, expressive eyes, vibrant colours', 'Japanese animation style.', now()),
(4, 'Watercolor', 'a loose watercolor portrait of {subject}, soft washes, paper texture, pastel colours', 'Light, airy watercolour painting.', now()),
(5, 'Sketch Drawing', 'a detailed pencil sketch of {subject}, cross-hatching, graphite on white paper', 'Hand-drawn pencil sketch.', now()),
(6, 'Fantasy Hero', 'an epic fantasy portrait of {subject} as a hero in ornate armour, dramatic sky, cinematic light', 'Heroic fantasy character art.', now()),
(7, 'Vintage Film', 'a 1970s film photograph of {subject}, grain, faded colours, natural light', 'Analogue film photo look.', now()),
(112, 'Realistic Portrait', 'a photorealistic portrait of {subject}, natural skin texture, shallow depth of field, golden hour light', 'True-to-life photo portrait.', now()),
(2572, 'Cyberpunk Neon', 'a cyberpunk portrait of {subject}, neon city lights, rain reflections, futuristic clothing', 'Neon-lit science-fiction look.', now());

SELECT setval(pg_get_serial_sequence('"styles"', 'id'), (SELECT max("id") FROM "styles"));

-- An assistant message per chat task at most; looked up by task when a reply is streamed.
CREATE INDEX "chat_messages_task_id_idx" ON "chat_messages"("task_id");
