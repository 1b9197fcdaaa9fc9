"""Network architectures: the lab reports' CNNs reproduced exactly, our best models, a custom CNN.

Each architecture is one builder function plus one line in `ARCHITECTURES`; the UI's
choices come from that registry.
"""

from dataclasses import dataclass
from typing import Callable

import keras
from keras import layers

from mnistdemo.config import IMAGE_SIZE, NUM_CLASSES

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)


@dataclass(frozen=True)
class Recipe:
    """How a network is trained: the knobs the Train tab offers."""

    optimizer: str = "adam"  # "adam" or "sgd" (with momentum)
    learning_rate: float = 1e-3
    momentum: float = 0.9
    schedule: str = "constant"  # "constant", "cosine" or "onecycle"
    batch_size: int = 128
    epochs: int = 3
    validation_split: float = 0.0
    reduce_lr_on_plateau: bool = False  # factor 0.2, patience 3, on val accuracy
    early_stopping: bool = False  # patience 6, on val accuracy, best weights restored
    augment: bool = False
    label_smoothing: float = 0.0


@dataclass(frozen=True)
class CustomCNN:
    """A plain CNN built from the Train tab's controls."""

    blocks: int = 2  # conv + pool blocks, 1-4
    kernel_size: int = 3
    filters: int = 32  # doubled in each block
    dense_units: int = 0  # 0 = no hidden dense layer
    batch_norm: bool = False
    dropout: float = 0.0


@dataclass(frozen=True)
class Architecture:
    name: str
    title: str
    build: Callable[[], keras.Model]
    params: int  # what model.count_params() must say
    recipe: Recipe  # the recipe its report used
    source: str  # where it comes from
    logits: bool = False  # last layer has no softmax
    datasets: tuple[str, ...] = ("mnist",)  # shipped trained on these
    notes: str = ""


def _model(name: str, *stack: layers.Layer) -> keras.Model:
    return keras.Sequential([keras.Input(INPUT_SHAPE), *stack], name=name)


def build_tf2_cnn(dense_1024: bool = True) -> keras.Model:
    """TF2 lab CNN: two conv(same)/pool(same)/ReLU stages, optional Dense(1024)."""
    hidden = [layers.Dense(1024)] if dense_1024 else []
    return _model(
        "tf2_cnn_dense1024" if dense_1024 else "tf2_cnn",
        layers.Conv2D(32, 3, padding="same"), layers.MaxPooling2D(2, padding="same"), layers.ReLU(),
        layers.Conv2D(64, 3, padding="same"), layers.MaxPooling2D(2, padding="same"), layers.ReLU(),
        layers.Flatten(), *hidden, layers.Dense(NUM_CLASSES, activation="softmax"),
    )


def build_resnet_block_cnn(block_kernel: int = 3) -> keras.Model:
    """Conv, one residual block (two convs of `block_kernel`), conv, pool, dense."""
    inputs = keras.Input(INPUT_SHAPE)
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    shortcut = x
    x = layers.Conv2D(32, block_kernel, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(32, block_kernel, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(layers.Add()([x, shortcut]))
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax")(x)
    return keras.Model(inputs, outputs, name=f"resnet_block_{block_kernel}x{block_kernel}")


def build_fashion_cnn() -> keras.Model:
    """Fashion-MNIST lab CNN: two conv(64)/pool stages and Dense(128)."""
    return _model(
        "fashion_cnn",
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(128, activation="relu"),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    )


def build_lenet5_bn() -> keras.Model:
    """LeNet-5 with batch norm after each conv."""
    return _model(
        "lenet5_bn",
        layers.Conv2D(6, 3, padding="same"), layers.BatchNormalization(), layers.MaxPooling2D(2), layers.ReLU(),
        layers.Conv2D(16, 3), layers.BatchNormalization(), layers.MaxPooling2D(2), layers.ReLU(),
        layers.Flatten(), layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    )


def build_pytorch_tutorial_cnn() -> keras.Model:
    """The PyTorch MNIST tutorial net rebuilt in Keras; outputs logits."""
    return _model(
        "pytorch_tutorial_cnn",
        layers.Conv2D(10, 5), layers.MaxPooling2D(2), layers.ReLU(),
        layers.Conv2D(20, 5), layers.MaxPooling2D(2), layers.ReLU(),
        layers.Flatten(), layers.Dense(NUM_CLASSES),
    )


def _conv_bn(filters: int, kernel: int = 3) -> list[layers.Layer]:
    return [layers.Conv2D(filters, kernel, padding="same", use_bias=False),
            layers.BatchNormalization(), layers.ReLU()]


def build_best(name: str, widths: tuple[int, int, int], dropout: float) -> keras.Model:
    """Our design: three conv-BN stages (two convs each), global pooling, dropout, softmax."""
    a, b, c = widths
    return _model(
        name,
        *_conv_bn(a), *_conv_bn(a), layers.MaxPooling2D(2),
        *_conv_bn(b), *_conv_bn(b), layers.MaxPooling2D(2),
        *_conv_bn(c), *_conv_bn(c),
        layers.GlobalAveragePooling2D(), layers.Dropout(dropout),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    )


def build_custom_cnn(spec: CustomCNN) -> keras.Model:
    """A CNN from the Train tab's controls: `blocks` x (conv [BN] ReLU, pool), optional dense."""
    if not 1 <= spec.blocks <= 4:
        raise ValueError("A custom CNN has 1 to 4 conv+pool blocks.")
    if spec.kernel_size not in (3, 5, 7):
        raise ValueError("Kernel size must be 3, 5 or 7.")
    stack: list[layers.Layer] = []
    for i in range(spec.blocks):
        stack.append(layers.Conv2D(spec.filters * 2**i, spec.kernel_size, padding="same",
                                   use_bias=not spec.batch_norm))
        if spec.batch_norm:
            # Momentum 0.9, not Keras's 0.99: classroom runs are a few hundred batches, too few for
            # 0.99's moving averages to catch up, and the test accuracy would trail far behind.
            stack.append(layers.BatchNormalization(momentum=0.9))
        stack += [layers.ReLU(), layers.MaxPooling2D(2, padding="same")]
    stack.append(layers.Flatten())
    if spec.dropout:
        stack.append(layers.Dropout(spec.dropout))
    if spec.dense_units:
        stack.append(layers.Dense(spec.dense_units, activation="relu"))
        if spec.dropout:
            stack.append(layers.Dropout(spec.dropout))
    stack.append(layers.Dense(NUM_CLASSES, activation="softmax"))
    return _model("custom_cnn", *stack)


_TF2_RECIPE = Recipe(optimizer="adam", learning_rate=1e-3, batch_size=512, epochs=5)

ARCHITECTURES: dict[str, Architecture] = {a.name: a for a in [
    Architecture("tf2_cnn_dense1024", "TF2 CNN + Dense(1024)", lambda: build_tf2_cnn(True), 3_241_354,
                 _TF2_RECIPE, "TF2 lab report", notes="The Dense(1024) layer holds 99% of the parameters."),
    Architecture("tf2_cnn", "TF2 CNN (no Dense(1024))", lambda: build_tf2_cnn(False), 50_186,
                 _TF2_RECIPE, "TF2 lab report",
                 notes="The report's recommendation: same accuracy, 65x fewer parameters."),
    Architecture("resnet_block_3x3", "CNN + ResNet block 3x3", lambda: build_resnet_block_cnn(3), 1_219_530,
                 Recipe(optimizer="adam", learning_rate=1e-3, batch_size=128, epochs=5), "ResNet lab report"),
    Architecture("resnet_block_5x5", "CNN + ResNet block 5x5", lambda: build_resnet_block_cnn(5), 1_252_298,
                 Recipe(optimizer="adam", learning_rate=1e-3, batch_size=128, epochs=5), "ResNet lab report"),
    Architecture("fashion_cnn", "Fashion-MNIST CNN", build_fashion_cnn, 243_786,
                 Recipe(optimizer="adam", learning_rate=1e-3, batch_size=64, epochs=10), "Fashion-MNIST lab report",
                 datasets=("mnist", "fashion_mnist")),
    Architecture("lenet5_bn", "LeNet-5 + batch norm", build_lenet5_bn, 81_282,
                 Recipe(optimizer="adam", learning_rate=1e-3, batch_size=128, epochs=30, validation_split=0.1,
                        reduce_lr_on_plateau=True, early_stopping=True),
                 "LeNet-5 lab report", datasets=("mnist", "fashion_mnist")),
    Architecture("pytorch_tutorial_cnn", "PyTorch-tutorial CNN", build_pytorch_tutorial_cnn, 8_490,
                 Recipe(optimizer="sgd", learning_rate=0.01, momentum=0.5, batch_size=64, epochs=10),
                 "PyTorch MNIST tutorial, rebuilt in Keras", logits=True),
    Architecture("best_mnist", "Our best MNIST net", lambda: build_best("best_mnist", (16, 32, 64), 0.25), 73_114,
                 Recipe(optimizer="adam", learning_rate=3e-3, schedule="onecycle", batch_size=128, epochs=12,
                        augment=True),
                 "this project"),
    Architecture("best_fashion", "Our best Fashion-MNIST net", lambda: build_best("best_fashion", (32, 64, 128), 0.4),
                 289_066,
                 Recipe(optimizer="adam", learning_rate=3e-3, schedule="onecycle", batch_size=128, epochs=20,
                        augment=True, label_smoothing=0.1),
                 "this project", datasets=("fashion_mnist",)),
]}


def outputs_logits(arch: str) -> bool:
    """True if `arch`'s last layer gives logits rather than probabilities (custom CNNs end in a softmax)."""
    return arch in ARCHITECTURES and ARCHITECTURES[arch].logits


def build_model(name: str, custom: CustomCNN | None = None) -> keras.Model:
    """A fresh, untrained model of a registered architecture (or "custom" with a CustomCNN)."""
    if name == "custom":
        return build_custom_cnn(custom or CustomCNN())
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)} or 'custom'.")
    return ARCHITECTURES[name].build()
