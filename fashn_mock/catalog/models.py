"""The catalog: one declarative entry per documented model.

Where sources disagree the ``properties`` are the *union* of every documented
form (issue 2), and ``notes`` says which version drives behaviour. Facts, sources
and those choices: docs/api-facts.md#models.
"""

from __future__ import annotations

from collections.abc import Callable

from fashn_mock.catalog import checks, geometry
from fashn_mock.catalog import fields as f
from fashn_mock.catalog import rules as r
from fashn_mock.catalog.spec import ModelSpec

TRYON_CATEGORY = ("auto", "tops", "bottoms", "one-pieces")


def _tryon_properties(*, legacy: bool) -> dict[str, f.Schema]:
    props: dict[str, f.Schema] = {
        "model_image": f.image("Person to dress; also accepts saved:<model_name>."),
        "garment_image": f.image("Garment to put on the model."),
        "category": f.enum(TRYON_CATEGORY, "Garment category.", "auto"),
        "segmentation_free": f.boolean("Direct garment fitting without segmentation.", True),
        "moderation_level": f.enum(("conservative", "permissive", "none"),
                                   "Garment content moderation.", "permissive"),
        "garment_photo_type": f.enum(("auto", "flat-lay", "model"),
                                     "Garment photo type.", "auto"),
        "mode": f.enum(("performance", "balanced", "quality"), "Speed/quality mode.",
                       "balanced"),
        "seed": f.seed(),
        "num_samples": f.count("Number of images to generate."),
        "output_format": f.output_format(),
        "return_base64": f.return_base64(),
    }
    if legacy:  # flat v1 body fields (docs/api-facts.md#legacy)
        for name in ("nsfw_filter",):
            props[name] = f.boolean("Legacy: reject NSFW content.", True)
        for name in ("cover_feet", "adjust_hands", "restore_background", "restore_clothes",
                     "long_top", "flat_lay", "remove_garment_background"):
            props[name] = f.boolean(f"Legacy flat-body option {name}.", False)
        props["guidance_scale"] = {"type": "number", "minimum": 1.5, "maximum": 5,
                                   "default": 2, "description": "Legacy guidance scale."}
        props["timesteps"] = {"type": "integer", "minimum": 10, "default": 50,
                              "description": "Legacy diffusion steps."}
    return props


def _tryon_seconds(speedup: float = 1.0) -> Callable[[r.Inputs], r.Seconds]:
    def seconds(inputs: r.Inputs) -> r.Seconds:
        low, high = r.TRYON_SECONDS[inputs.get("mode", "balanced")]
        return low * speedup, high * speedup
    return seconds


def _tryon_max_credits(inputs: r.Inputs) -> int:
    mode = r.effective_mode(inputs, fallback_at_1k="balanced")
    return r.SHARED_CREDITS[mode][inputs.get("resolution", "1k")] * r.outputs(inputs)


def _tryon_max_seconds(inputs: r.Inputs) -> r.Seconds:
    mode = r.effective_mode(inputs, fallback_at_1k="balanced")
    return r.SHARED_SECONDS[mode][inputs.get("resolution", "1k")]


def _video_credits(inputs: r.Inputs) -> int:
    return r.VIDEO_CREDITS[inputs.get("duration", 5)][inputs.get("resolution", "1080p")]


def _video_seconds(inputs: r.Inputs) -> r.Seconds:
    return r.VIDEO_SECONDS[inputs.get("duration", 5)][inputs.get("resolution", "1080p")]


def _per_output(credits: int) -> Callable[[r.Inputs], int]:
    return lambda inputs: credits * r.outputs(inputs)


def _face_credits(inputs: r.Inputs) -> int:
    return r.shared_credits(inputs, face_reference=True)


def _face_seconds(inputs: r.Inputs) -> r.Seconds:
    return r.shared_seconds(inputs, face_reference=True)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="tryon-max",
        summary="Try-on of any product (garments, shoes, bags, jewelry) on a model image.",
        properties={
            "model_image": f.image("Person to dress."),
            "product_image": f.image("Product to put on the model."),
            "prompt": f.text("Styling hint, e.g. 'tuck in shirt'.", ""),
            **f.common_generation(modes=("balanced", "quality")),
        },
        required=("model_image", "product_image"),
        credits=_tryon_max_credits,
        seconds=_tryon_max_seconds,
        geometry=geometry.by_ratio(source=("model_image",), default="2:3"),
        extra_runtime_errors=("PoseError",),
        notes="generation_mode is balanced|quality; omitted is billed balanced "
              "(docs/api-facts.md#tryon-max).",
    ),
    ModelSpec(
        name="tryon-v1.6",
        summary="Virtual try-on of a garment on a model image (864x1296).",
        properties=_tryon_properties(legacy=False),
        required=("model_image", "garment_image"),
        credits=_per_output(1),
        seconds=_tryon_seconds(),
        geometry=geometry.fixed((864, 1296)),
        lifecycle="stable",
        extra_runtime_errors=("PoseError",),
        notes="num_samples max 4; Pixazo's 5 belongs to that gateway only "
              "(docs/api-facts.md#tryon-v1-6).",
    ),
    ModelSpec(
        name="tryon-v1.5",
        summary="Legacy try-on (576x864); also serves bodies without model_name/inputs.",
        properties=_tryon_properties(legacy=True),
        required=("model_image", "garment_image"),
        credits=_per_output(1),  # assumed: unknown, same as v1.6
        seconds=_tryon_seconds(r.TRYON_V15_SPEEDUP),
        geometry=geometry.fixed((576, 864)),
        lifecycle="legacy",
        extra_runtime_errors=("PoseError", "NSFWError", "PhotoTypeError"),
        legacy=True,
        notes="Inputs are v1.6's plus the legacy flat-body fields; category is optional "
              "(later legacy docs) rather than required (the earliest) "
              "(docs/api-facts.md#tryon-v1-5).",
    ),
    ModelSpec(
        name="product-to-model",
        summary="Generate a model wearing the product.",
        properties={
            "product_image": f.image("Product to show on a generated model."),
            "image_prompt": f.image("Inspiration for pose, scene and lighting."),
            **f.face_reference_block(),
            "background_reference": f.image("Backdrop reference; people in it are ignored."),
            "model_image": f.image("Deprecated try-on mode; cannot combine with references."),
            "prompt": f.text("Scene or styling prompt."),
            **f.common_generation(),
        },
        required=("product_image",),
        credits=_face_credits,
        seconds=_face_seconds,
        geometry=geometry.by_ratio(
            source=("model_image", "background_reference", "image_prompt", "product_image")),
        checks=(checks.model_image_alone,),
        lifecycle="preview",
        notes="Union of the docs (face/background references, num_images) and the Python "
              "SDK 0.9.0 (21:9) (docs/api-facts.md#product-to-model).",
    ),
    ModelSpec(
        name="face-to-model",
        summary="Generate a full-body model from a face photo.",
        properties={
            "face_image": f.image("Face to build the model around."),
            "prompt": f.text("Body shape guidance.", ""),
            **f.common_generation(default_format="jpeg"),
            "aspect_ratio": f.aspect_ratio(default="2:3"),
        },
        required=("face_image",),
        credits=r.shared_credits,
        seconds=r.shared_seconds,
        geometry=geometry.by_ratio(default="2:3"),
        notes="aspect_ratio accepts all 10 values (Python SDK 0.9.0, FASHN OpenAPI), a "
              "superset of the 5 vertical ones in the docs; output_format defaults to "
              "jpeg (docs/api-facts.md#face-to-model).",
    ),
    ModelSpec(
        name="model-create",
        summary="Generate a fashion model from a text prompt.",
        properties={
            "prompt": f.text("Description of the model to create."),
            "image_reference": f.image("Composition and pose guide."),
            **f.face_reference_block(),
            **f.common_generation(),
            "reference_type": f.enum(("pose", "silhouette"), "Legacy: how image_reference "
                                     "guides the output."),
            "disable_prompt_enhancement": f.boolean("Legacy: use the prompt verbatim.", False),
            "lora_url": f.lora_url(),
        },
        required=("prompt",),
        credits=_face_credits,
        seconds=_face_seconds,
        geometry=geometry.by_ratio(source=("image_reference",), default="1:1",
                                   cap_tier_with="face_reference"),
        extra_runtime_errors=("LoRALoadError",),
        notes="Default ratio 1:1 (current docs); face_reference caps output at 2k "
              "(docs/api-facts.md#model-create).",
    ),
    ModelSpec(
        name="model-variation",
        summary="Legacy: variations of a model image.",
        properties={
            "model_image": f.image("Model image to vary."),
            "variation_strength": f.enum(("subtle", "strong"), "How far to vary.", "subtle"),
            "seed": f.seed(),
            "lora_url": f.lora_url(),
            "output_format": f.output_format(),
            "return_base64": f.return_base64(),
        },
        required=("model_image",),
        credits=_per_output(1),  # assumed: native price unknown
        seconds=lambda inputs: (8, 10),
        geometry=geometry.by_ratio(source=("model_image",), default="2:3"),
        extra_runtime_errors=("LoRALoadError",),
        legacy=True,
        lifecycle="removed",
    ),
    ModelSpec(
        name="model-swap",
        summary="Swap the model's identity, keeping the outfit.",
        properties={
            "model_image": f.image("Image whose model identity is swapped."),
            "prompt": f.text("Identity description; empty picks one automatically.", ""),
            **f.face_reference_block(),
            **f.common_generation(),
            "background_change": f.boolean("Legacy: also change the background.", False),
            "disable_prompt_enhancement": f.boolean("Legacy: use the prompt verbatim.", False),
            "lora_url": f.lora_url(),
        },
        required=("model_image",),
        credits=_face_credits,
        seconds=_face_seconds,
        geometry=geometry.by_ratio(source=("model_image",), default="2:3"),
        extra_runtime_errors=("LoRALoadError",),
    ),
    ModelSpec(
        name="reframe",
        summary="Outpaint or crop an image to a new aspect ratio.",
        properties={
            "image": f.image("Image to reframe."),
            "aspect_ratio": f.aspect_ratio("Target aspect ratio (current form)."),
            **{k: v for k, v in f.common_generation().items() if k != "aspect_ratio"},
            "mode": f.enum(("direction", "aspect_ratio"), "Legacy form: reframe mode."),
            "target_direction": f.enum(("both", "down", "up"),
                                       "Legacy form: direction to extend."),
            "target_aspect_ratio": f.aspect_ratio(
                "Legacy form: target ratio in aspect_ratio mode.", values=f.ASPECT_RATIOS[1:]),
        },
        required=("image",),
        credits=r.shared_credits,
        seconds=r.shared_seconds,
        geometry=geometry.reframe,
        checks=(checks.reframe_target_given, checks.reframe_changes_ratio),
        notes="Accepts the current form (aspect_ratio) and the old one "
              "(mode/target_direction/target_aspect_ratio); with neither, the old "
              "direction mode applies (docs/api-facts.md#reframe).",
    ),
    ModelSpec(
        name="background-change",
        summary="Replace an image's background from a prompt.",
        properties={
            "image": f.image("Image whose background changes."),
            "prompt": f.text("The new background."),
            "background_prompt": f.text("Legacy name of prompt."),
            "disable_prompt_enhancement": f.boolean("Legacy: use the prompt verbatim.", False),
            **f.common_generation(with_aspect_ratio=False),
        },
        required=("image",),
        credits=r.shared_credits,  # assumed (docs/api-facts.md#background-change)
        seconds=r.shared_seconds,
        geometry=geometry.by_ratio(source=("image",), default="2:3"),
        notes="prompt is optional to accept the first documented form (background_prompt) "
              "(docs/api-facts.md#background-change).",
    ),
    ModelSpec(
        name="background-remove",
        summary="Cut the subject out onto a transparent background (RGBA PNG).",
        properties={
            "image": f.image("Image to cut out."),
            "return_base64": f.return_base64(),
        },
        required=("image",),
        credits=_per_output(1),
        seconds=lambda inputs: (1, 3),
        geometry=geometry.same_as_input("image", (1024, 1024), 4_000_000),
        transparent=True,
    ),
    ModelSpec(
        name="image-to-video",
        summary="Animate an image into a 5 or 10 second MP4.",
        properties={
            "image": f.image("Start frame."),
            "prompt": f.text("Short motion hint; empty picks automatic motion.", ""),
            "negative_prompt": f.text("What to avoid."),
            "duration": f.enum((5, 10), "Video length in seconds.", 5),
            "resolution": f.enum(("480p", "720p", "1080p"), "Video resolution.", "1080p"),
            "end_image": f.image("Last frame (1080p only)."),
            "seed": f.seed(default=None),
        },
        required=("image",),
        credits=_video_credits,
        seconds=_video_seconds,
        geometry=geometry.video,
        checks=(checks.end_image_needs_1080p,),
        output_kind="video",
    ),
    ModelSpec(
        name="edit",
        summary="Edit an image from a prompt, optionally guided by a mask.",
        properties={
            "image": f.image("Image to edit."),
            "prompt": f.text("The edit to make."),
            "mask": f.image("White = edit, black = keep; same size as image."),
            "mask_image": f.image("Legacy name of mask (v1 inpainting form)."),
            "image_context": f.image("Visual reference."),
            **f.common_generation(),
        },
        required=("image",),
        any_of_required=(("prompt",), ("mask_image",)),
        credits=r.shared_credits,
        seconds=r.shared_seconds,
        geometry=geometry.by_ratio(source=("image",)),
        checks=(checks.mask_matches_image,),
        notes="Needs prompt (current form) or mask_image (v1 inpainting form) "
              "(docs/api-facts.md#edit).",
    ),
    ModelSpec(
        name="packshot",
        summary="Turn a product photo into a clean studio packshot.",
        properties={
            "product_image": f.image("Product to photograph."),
            "prompt": f.text("Styling; empty picks a commercial default."),
            "image_context": f.image("Style reference for staging and lighting."),
            **f.common_generation(),
        },
        required=("product_image",),
        credits=r.shared_credits,  # assumed: unknown, priced like its siblings
        seconds=r.shared_seconds,  # assumed
        geometry=geometry.by_ratio(source=("product_image",)),
        lifecycle="unknown",
    ),
)

BY_NAME: dict[str, ModelSpec] = {spec.name: spec for spec in MODELS}
LEGACY_BODY_MODEL = "tryon-v1.5"
"""Bodies without model_name/inputs are processed as this model (docs/api-facts.md#legacy)."""


def get(name: str) -> ModelSpec | None:
    return BY_NAME.get(name)
