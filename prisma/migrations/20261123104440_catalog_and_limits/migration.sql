-- CreateTable
CREATE TABLE "rate_limits" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "expire" TIMESTAMP(3),

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "rate_limits_expire_idx" ON "rate_limits"("expire");

-- The model catalog every installation starts with (admins edit it at run time). Prices are in
-- credits: per image, per second of video, per 1,000 tokens, or flat per request. Every model
-- runs on the demo provider until the provider registry maps it to a real backend.
INSERT INTO "ai_models" ("id", "name", "kind", "description", "max_tokens", "supported_endpoints", "price_per_image", "price_per_second", "price_per_1k_tokens", "price_flat", "info", "updated_at") VALUES
('sd15', 'Stable Diffusion 1.5', 'image', 'General-purpose text-to-image and image-to-image at 512 px.', NULL, ARRAY['txt2img','img2img'], 1, NULL, NULL, NULL,
  '{"what_is":"The classic open Stable Diffusion model, fast at 512×512.","use_cases":"Quick drafts, illustrations, styles from community checkpoints.","tips":"Keep prompts short and concrete; use a negative prompt to remove artefacts."}', now()),
('sdxl', 'Stable Diffusion XL', 'image', 'Higher-resolution text-to-image and image-to-image at 1024 px.', NULL, ARRAY['txt2img','img2img'], 2, NULL, NULL, NULL,
  '{"what_is":"Stable Diffusion XL, trained for 1024×1024 images.","use_cases":"Detailed artwork, photography-like scenes, posters.","tips":"Use 1024-pixel sizes and 25–40 steps for best detail."}', now()),
('flux', 'FLUX.1 [dev]', 'image', 'Text-to-image with strong prompt following.', NULL, ARRAY['txt2img'], 3, NULL, NULL, NULL,
  '{"what_is":"FLUX.1 [dev], a text-to-image model known for prompt fidelity and legible text.","use_cases":"Product shots, typography in images, complex scenes.","tips":"Describe the scene in full sentences; it follows long prompts well."}', now()),
('recraft', 'Recraft V3', 'image', 'Vector-style illustrations and design assets.', NULL, ARRAY['txt2img'], 3, NULL, NULL, NULL,
  '{"what_is":"Recraft V3, tuned for illustrations, icons and brand-style graphics.","use_cases":"Logos, icons, flat illustrations, marketing graphics.","tips":"Name the style (flat, line art, isometric) and the colour palette."}', now()),
('stable_diffusion', 'Stable Diffusion V3', 'image', 'Hybrid text-to-image and image-to-image.', NULL, ARRAY['txt2img','img2img'], 2, NULL, NULL, NULL,
  '{"what_is":"Stable Diffusion 3, usable from a prompt alone or with a reference image.","use_cases":"Variations of an existing picture, concept art.","tips":"With a reference image, describe what should change rather than the whole picture."}', now()),
('stable_video', 'Stable Video Diffusion', 'video', 'Image-to-video: animates a still image into a short clip.', NULL, ARRAY['img2video'], NULL, 2, NULL, NULL,
  '{"what_is":"Stable Video Diffusion turns one image into a few seconds of video.","use_cases":"Animated product shots, living portraits, social clips.","tips":"Start from a sharp image with a clear subject; an optional prompt guides the motion."}', now()),
('flux_pro', 'FLUX.1 [pro] Fill', 'image', 'Inpainting: repaints the masked part of an image from a prompt.', NULL, ARRAY['inpaint'], 4, NULL, NULL, NULL,
  '{"what_is":"FLUX.1 [pro] Fill repaints the white area of a mask to match a prompt.","use_cases":"Removing objects, replacing backgrounds, fixing details.","tips":"Make the mask a little larger than the object and describe only the new content."}', now()),
('minimax', 'Minimax AI', 'text', 'Advanced language model for various tasks', 4096, ARRAY['chat','generate'], NULL, NULL, 1, NULL,
  '{"what_is":"A general-purpose chat and text-generation model.","use_cases":"Assistants, drafting, summaries, question answering.","tips":"Give a system prompt with the role and the format you want back."}', now()),
('personal-trainer', 'Personal model training', 'train', 'Trains a personal model from 5–20 selfies.', NULL, ARRAY['train'], NULL, NULL, NULL, 20,
  '{"what_is":"Fine-tunes a personal model on your selfies so it can draw you in any style.","use_cases":"Avatars, profile pictures, themed portraits.","tips":"Upload 10–20 well-lit photos with different angles and backgrounds."}', now()),
('personal-avatar', 'Personal avatar generation', 'avatar', 'Generates avatars in chosen styles from a trained personal model.', NULL, ARRAY['avatar'], 1, NULL, NULL, NULL,
  '{"what_is":"Draws avatars of you from your trained personal model.","use_cases":"Avatars in many styles at once.","tips":"Pick several styles in one order; each style gives its own set of images."}', now())
ON CONFLICT ("id") DO NOTHING;
