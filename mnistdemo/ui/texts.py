"""Every text the UI shows, in English and Simplified Chinese.

The English text is its own key: code reads as English, and `ZH` maps each text to its
Chinese. Two ways a text reaches the page:

- `t(text)`: Gradio translates it in the browser, by the browser's language or the one chosen
  under Settings → Language, and switches a page already shown. As measured on Gradio 6.31:
  labels, button texts, accordion titles, choices, plot axis titles and Markdown/HTML values,
  including values a handler returns (`say`), but only the first text marker in each string.
- `text(text, lang)`: the server renders it in the visitor's language, for what Gradio does not
  translate: table headers and cells, gallery captions, plot legends, class names in a Label,
  error pop-ups, and tab titles and upload hints that Gradio does not redraw after a switch.
  `lang` is the browser's locale ("zh-CN", "en-US"); the page keeps it in a hidden textbox
  (`LANGUAGE_JS`) that every such handler takes as an input.
"""

import gradio as gr
from gradio.i18n import I18nData

ZH: dict[str, str] = {
    # The page
    "Draw a digit and watch convolutional networks read it; train and compare networks live. "
    "Language: Settings (at the foot of the page) → Language.":
        "画一个数字，看卷积神经网络如何识别它；现场训练并比较不同的网络。"
        "语言：页面底部的“设置” → Language。",
    "Draw": "手写",
    "Train & compare": "训练与比较",
    # The Draw tab
    "Draw a digit": "画一个数字",
    "... or upload an image": "……或上传一张图片",
    "Model": "模型",
    "Predict": "识别",
    "Drop an image here, or click to upload": "将图片拖放到此处，或点击上传",
    "trained here": "在此训练",
    "Unavailable models: ": "无法使用的模型：",
    "Stale calibration: ": "校准已过时：",
    "What the model reads": "模型的识别结果",
    "What the model sees (28x28)": "模型看到的图像（28x28）",
    "Preprocessing, step by step": "预处理的每一步",
    "Steps": "步骤",
    "Samples from the test sets: click one": "测试集样例：点击一张",
    "Reads": "识别为",
    "**Not sure:** the drawing is very small for the brush. Draw it larger.":
        "**不确定：** 相对于笔刷，这幅图太小了。请写大一些。",
    "**Not sure:** a stroke runs off the edge, so part of the drawing may be missing. Draw it inside the canvas.":
        "**不确定：** 有笔画超出了画布边缘，图可能缺了一部分。请写在画布里面。",
    "**Not sure:** the networks disagree. Networks reading each answer:": "**不确定：** 各网络的识别结果不一致。每个答案的网络数：",
    "**Not sure:** the networks agree, but none is confident. Networks reading each answer:":
        "**不确定：** 各网络结果一致，但都没有把握。每个答案的网络数：",
    "**Not a digit?** The drawing is very small for the brush. Draw it larger.":
        "**不是数字？** 相对于笔刷，这幅图太小了。请写大一些。",
    "**Not a digit?** A stroke runs off the edge, so part of the drawing may be missing. Draw it inside the canvas.":
        "**不是数字？** 有笔画超出了画布边缘，图可能缺了一部分。请写在画布里面。",
    "**Not a digit?** The networks cannot agree what it is. Networks reading each answer:":
        "**不是数字？** 各网络无法确定它是什么。每个答案的网络数：",
    "**Not a digit?** To the digit networks it looks like none of the ten digits.":
        "**不是数字？** 在数字模型看来，它不像十个数字中的任何一个。",
    "This test image is a handwritten digit, so a digit model reads it (your choice stays for drawings):":
        "这张测试图片是手写数字，所以由数字模型识别（你选的模型仍用于你画的图）：",
    "This test image is a piece of clothing, so a Fashion-MNIST model reads it (your choice stays for drawings):":
        "这张测试图片是服饰，所以由 Fashion-MNIST 模型识别（你选的模型仍用于你画的图）：",
    "Handwritten digits (MNIST test set)": "手写数字（MNIST 测试集）",
    "Clothing (Fashion-MNIST test set)": "服饰（Fashion-MNIST 测试集）",
    "Every model of this data set on this drawing": "这个数据集的所有模型对这幅图的识别",
    "Draw a digit (or upload an image) to see what the model reads.": "画一个数字（或上传一张图片），看看模型如何识别。",
    "No ink found: draw a digit first.": "没有找到笔迹：请先画一个数字。",
    "Could not read the image: the file is corrupt or truncated.": "无法读取图片：文件已损坏或不完整。",
    "Could not read the image: the file is not an image.": "无法读取图片：这个文件不是图片。",
    "Could not read the image: the file could not be opened.": "无法读取图片：文件打不开。",
    "Could not read the image: it has no pixels.": "无法读取图片：图片没有像素。",
    "model": "模型",
    "answer": "答案",
    "confidence": "置信度",
    "input": "输入",
    "ink": "笔迹",
    "cropped": "裁剪",
    "even strokes": "笔画粗细统一",
    "20x20 box": "放入 20x20 方框",
    "centred 28x28": "居中到 28x28",
    "T-shirt/top": "T恤/上衣",
    "Trouser": "裤子",
    "Pullover": "套头衫",
    "Dress": "连衣裙",
    "Coat": "外套",
    "Sandal": "凉鞋",
    "Shirt": "衬衫",
    "Sneaker": "运动鞋",
    "Bag": "包",
    "Ankle boot": "短靴",
    # Inside the network
    "Inside the network": "网络内部",
    "What the chosen model computes for this drawing. **Strokes that counted**: integrated gradients, "
    "each pixel's share of the answer (red = most). **Where it looked**: Grad-CAM on the last conv "
    "layer, coarser. **Feature maps**: what each conv layer's filters respond to (bright = strong), "
    "input side first. **Filters**: the first conv layer's weights (white positive, black negative).":
        "所选模型对这幅图的计算过程。**起作用的笔画**：积分梯度，每个像素对答案的贡献（红色最多）。"
        "**它看向哪里**：最后一个卷积层上的 Grad-CAM，较粗略。**特征图**：每个卷积层的卷积核对什么有反应"
        "（越亮越强），从输入一侧开始。**卷积核**：第一个卷积层的权重（白色为正，黑色为负）。",
    "Strokes that counted": "起作用的笔画",
    "Where it looked (Grad-CAM)": "它看向哪里（Grad-CAM）",
    "Feature maps, one image per conv layer": "特征图，每个卷积层一张",
    "Learned filters": "学到的卷积核",
    "Draw a digit (or upload an image) to look inside the network.": "画一个数字（或上传一张图片），看看网络内部。",
    "The model and its answer (the overlays explain it):": "模型和它的答案（叠加图解释了这个答案）：",
    # Whole numbers
    "Whole numbers": "多位数",
    "Draw a number (several digits in a row)": "写一个多位数（几个数字排成一行）",
    "The number read": "识别出的数",
    "Each digit as the model sees it (28x28): answer and probability": "模型看到的每个数字（28x28）：答案和概率",
    "Draw a number such as **2026** across the canvas, digits side by side. "
    "Each digit is cut out, shrunk to 28x28 like a single drawing and read on its own.":
        "在画布上横着写一个数，比如 **2026**，数字并排。每个数字会被单独切出来，"
        "像单个数字一样缩小到 28x28，再分别识别。",
    "No MNIST model is available to read digits.": "没有可用来识别数字的 MNIST 模型。",
    "This model does not read digits: choose an MNIST model.": "这个模型不识别数字：请选择一个 MNIST 模型。",
    "No digits found: draw a number first.": "没有找到数字：请先写一个数。",
    "Reads the number:": "识别出的数：",
    "Reads the number (not sure of the digits marked ?):": "识别出的数（标有 ? 的数字没有把握）：",
    # Train & compare: set-up
    "Train a convolutional network on MNIST or Fashion-MNIST here and now. Pick an architecture "
    "(its report's recipe fills in) or build your own, start, and watch it learn. Every run of "
    "yours lands in the comparison below and in the Draw tab's model list; nobody else sees them.":
        "在这里现场用 MNIST 或 Fashion-MNIST 训练卷积神经网络。选择一种结构（自动填入其实验报告中的训练方案）"
        "或自己搭建一个，点击开始，观察它如何学习。你的每次训练都会出现在下方的比较中和“手写”页的模型列表里；"
        "其他人看不到。",
    "### Set-up": "### 设置",
    "Data set": "数据集",
    "Architecture (fills in its report's recipe)": "网络结构（自动填入其报告中的训练方案）",
    "Custom CNN": "自定义 CNN",
    "A plain CNN: *blocks* x (conv → [batch norm] → ReLU → 2x2 max-pool), filters doubling per block.":
        "一个普通的 CNN：若干个块 ×（卷积 → [批归一化] → ReLU → 2x2 最大池化），每个块的卷积核数量翻倍。",
    "Parameters: ": "参数量：",
    "TF2 CNN + Dense(1024)": "TF2 CNN + Dense(1024)",
    "TF2 CNN (no Dense(1024))": "TF2 CNN（无 Dense(1024)）",
    "CNN + ResNet block 3x3": "CNN + ResNet 块 3x3",
    "CNN + ResNet block 5x5": "CNN + ResNet 块 5x5",
    "Fashion-MNIST CNN": "Fashion-MNIST CNN",
    "LeNet-5 + batch norm": "LeNet-5 + 批归一化",
    "PyTorch-tutorial CNN": "PyTorch 教程 CNN",
    "Our best MNIST net": "本项目最佳 MNIST 网络",
    "Our best Fashion-MNIST net": "本项目最佳 Fashion-MNIST 网络",
    "From the TF2 lab report. The Dense(1024) layer holds 99% of the parameters.":
        "出自 TF2 实验报告。Dense(1024) 层占了 99% 的参数。",
    "From the TF2 lab report. The report's recommendation: same accuracy, 65x fewer parameters.":
        "出自 TF2 实验报告。报告推荐的结构：准确率相同，参数少 65 倍。",
    "From the ResNet lab report.": "出自 ResNet 实验报告。",
    "From the Fashion-MNIST lab report.": "出自 Fashion-MNIST 实验报告。",
    "From the LeNet-5 lab report.": "出自 LeNet-5 实验报告。",
    "From the PyTorch MNIST tutorial, rebuilt in Keras.": "出自 PyTorch MNIST 教程，用 Keras 重建。",
    "From this project.": "出自本项目。",
    "Conv + pool blocks": "卷积 + 池化块数",
    "Kernel size": "卷积核大小",
    "Filters in the first block": "第一个块的卷积核数量",
    "Dense hidden layer (0 = none)": "全连接隐藏层（0 = 无）",
    "Batch normalisation": "批归一化",
    "Dropout": "Dropout（随机失活）",
    "SGD + momentum": "SGD + 动量",
    "Optimiser": "优化器",
    "Learning-rate schedule": "学习率调度",
    "constant": "恒定",
    "cosine": "余弦退火",
    "onecycle": "one-cycle（先升后降）",
    "Learning rate (peak)": "学习率（峰值）",
    "Batch size": "批大小",
    "Epochs": "训练轮数",
    "Training images (60,000 = all)": "训练图片数（60,000 = 全部）",
    "Validation split": "验证集比例",
    "Augmentation": "数据增强",
    "More settings": "更多设置",
    "SGD momentum": "SGD 动量",
    "Label smoothing": "标签平滑",
    "Seed (same seed, same run)": "随机种子（种子相同，结果相同）",
    "The two callbacks watch validation accuracy, so they need a validation split; "
    "ReduceLROnPlateau only acts with a constant schedule.":
        "这两个回调函数监视验证准确率，因此需要验证集；ReduceLROnPlateau 只在学习率恒定时起作用。",
    "Quick preset (the defaults): 97% on MNIST in seconds": "快速上手预设（即默认设置）：几秒内 MNIST 达到 97%",
    "Fast preset: 99% on MNIST in 1 epoch (all 60,000 images)": "快速预设：1 轮（全部 60,000 张图片）达到 MNIST 99%",
    "**A small run:**": "**小规模训练：**",
    "batches of training.": "批训练。",
    "images": "张图片",
    "Measured on MNIST after 1 epoch with this network and its recipe:": "在 MNIST 上实测，这个网络按其训练方案训练 1 轮后：",
    "The Quick preset (the defaults) reaches in seconds:": "快速上手预设（即默认设置）几秒内即可达到：",
    "Start training": "开始训练",
    "Stop": "停止",
    "Experiments: vary one thing": "实验：只改变一个因素",
    "Trains a family of custom CNNs that differ in one setting, under the same recipe, "
    "training images and seed (the custom CNN's controls give the rest).":
        "训练一组只在一个设置上不同的自定义 CNN，训练方案、训练图片和随机种子都相同（其余由自定义 CNN 的控件决定）。",
    "Vary": "改变",
    "Kernel size 3 / 5 / 7": "卷积核大小 3 / 5 / 7",
    "Conv+pool blocks 1 / 2 / 3": "卷积+池化块数 1 / 2 / 3",
    "Dense(1024) off / on": "Dense(1024) 关 / 开",
    "Run experiment": "运行实验",
    # Train & compare: live
    "### Live": "### 实时",
    "Press Start training.": "请点击“开始训练”。",
    "Training loss per batch (light: each batch; dark: smoothed; orange: validation)":
        "每批的训练损失（浅色：每批；深色：平滑后；橙色：验证）",
    "Training accuracy per batch (light: each batch; dark: smoothed; orange: validation)":
        "每批的训练准确率（浅色：每批；深色：平滑后；橙色：验证）",
    "per batch": "每批",
    "smoothed": "平滑后",
    "validation": "验证",
    "epoch": "轮次",
    "loss": "损失",
    "accuracy": "准确率",
    "Every training worker on this server is busy. Your place in the queue and an estimate of the wait "
    "show here in a moment.":
        "服务器上的所有训练进程都在忙。你的排队位置和预计等待时间马上显示在这里。",
    "Starting: a warm training worker builds the network…": "正在启动：已就绪的训练进程正在搭建网络……",
    "Queued (place in line · starts in about)": "排队中（排队位置 · 大约多久后开始）",
    "Training (epoch · batch · time · left)": "训练中（轮次 · 批次 · 用时 · 剩余）",
    "Training the same run as others on this server, once for all of you (others · epoch · batch · time · left)":
        "正在训练与服务器上其他人完全相同的一次训练，只为你们训练一次（其他人数 · 轮次 · 批次 · 用时 · 剩余）",
    "Stopped: you left the queue; nothing was trained for you.": "已停止：你已离开队列，没有为你训练任何模型。",
    "Stopped: you left this run. Others on this server are on the same run, so it goes on for them; nothing "
    "was kept for you. Start the same settings again to rejoin it, or to get it at once when it has "
    "finished. Others on it:":
        "已停止：你已离开这次训练。服务器上还有其他人在同一次训练上，所以它会继续为他们训练；没有为你保留任何模型。"
        "用相同的设置再次开始即可重新加入，或在它完成后立即得到结果。仍在这次训练上的人数：",
    "Evaluating on the test set…": "正在测试集上评估……",
    "Stopped.": "已停止。",
    "Stopping at the next batch; the model trained so far is kept.": "将在下一批停止；保留目前训练好的模型。",
    "Done (test accuracy, training time). The model is now in the Draw tab's model list: ":
        "完成（测试准确率、训练用时）。该模型已加入“手写”页的模型列表：",
    "Done: the same run as others on this server, trained once for all of you (test accuracy, training time, "
    "others). The model is now in the Draw tab's model list: ":
        "完成：与服务器上其他人完全相同的一次训练，只为你们训练了一次（测试准确率、训练用时、其他人数）。"
        "该模型已加入“手写”页的模型列表：",
    "This exact run (same settings, seed and code) had already finished on this server, so it is yours at "
    "once: the same run as others (test accuracy, training time, others). The model is now in the Draw "
    "tab's model list: ":
        "完全相同的一次训练（相同的设置、随机种子和代码）已在这台服务器上完成，所以你立即得到了它："
        "与其他人是同一次训练（测试准确率、训练用时、其他人数）。该模型已加入“手写”页的模型列表：",
    "Stopped early, model kept (test accuracy, training time). It is now in the Draw tab's model list: ":
        "已提前停止，模型已保留（测试准确率、训练用时）。它已加入“手写”页的模型列表：",
    "Training failed: ": "训练失败：",
    "Please fill in this setting:": "请填写这一项设置：",
    "The learning rate must be above 0 and at most 1.": "学习率必须大于 0 且不超过 1。",
    "The validation split must be between 0 and 0.5.": "验证集比例必须在 0 到 0.5 之间。",
    # Train & compare: results
    "### Results": "### 结果",
    "Run": "训练记录",
    "Train a model to see its results here.": "训练一个模型后，结果会显示在这里。",
    "Test accuracy per class": "每个类别的测试准确率",
    "Confusion matrix (rows: true class; choose a cell)": "混淆矩阵（行：真实类别；点击一个单元格）",
    "Choose a cell of the confusion matrix to see those test images.": "点击混淆矩阵中的单元格，查看对应的测试图片。",
    "Misclassified test images": "被分错的测试图片",
    "Model summary (layers, output shapes, parameters)": "模型概要（层、输出形状、参数量）",
    "Download this model (.keras)": "下载此模型（.keras）",
    "Download for the web (ONNX)": "下载网页版模型（ONNX）",
    "The ONNX export failed; the .keras download still works.": "ONNX 导出失败；.keras 文件仍可下载。",
    "Train a model first.": "请先训练一个模型。",
    "Test images (count, true class → read as): ": "测试图片（数量，真实类别 → 识别为）：",
    "Test accuracy · test loss · training accuracy (last epoch) · parameters · epochs · seconds: ":
        "测试准确率 · 测试损失 · 训练准确率（最后一轮）· 参数量 · 轮数 · 秒：",
    "This net uses batch normalisation and its test accuracy trails its training accuracy: see the note below.":
        "这个网络使用了批归一化，它的测试准确率落后于训练准确率：见下方说明。",
    "**Why can test accuracy sit far below training accuracy after an epoch or two?** Batch "
    "normalisation trains on each batch's own statistics but predicts with moving averages of "
    "them, which lag behind the weights early in training (Keras's momentum 0.99, which the report "
    "networks keep, averages over ~100 batches; the custom CNN uses 0.9, ~10 batches). A few more "
    "epochs, or a lower learning rate at the end (cosine, one-cycle), close the gap.":
        "**为什么训练一两轮后，测试准确率可能远低于训练准确率？** 批归一化在训练时使用每一批自己的统计量，"
        "预测时却使用这些统计量的滑动平均，而在训练初期滑动平均跟不上权重的变化（报告中的网络沿用 Keras 的"
        "动量 0.99，约平均 100 批；自定义 CNN 使用 0.9，约 10 批）。多训练几轮，或在最后降低学习率"
        "（cosine、one-cycle），差距就会消失。",
    # Train & compare: comparison
    "### Compare this session's runs": "### 比较本次会话的训练",
    "Download the table (CSV)": "下载表格（CSV）",
    "Training loss, smoothed": "训练损失（平滑后）",
    "Training accuracy, smoothed": "训练准确率（平滑后）",
    # Headers, captions and legends Gradio does not translate: rendered by the server (`text`).
    "run": "训练记录",
    "experiment": "实验",
    "architecture": "结构",
    "data set": "数据集",
    "params": "参数量",
    "epochs": "轮数",
    "train time (s)": "训练时间（秒）",
    "test accuracy": "测试准确率",
    "test loss": "测试损失",
    "stopped early": "提前停止",
    "yes": "是",
    "filters": "个卷积核",
    "class": "类别",
    "layer": "层",
    "type": "类型",
    "output shape": "输出形状",
    "true \\ predicted": "真实 \\ 预测",
}

# Gradio's own texts that its Simplified Chinese lacks (nested by Gradio's message ids).
GRADIO_ZH = {"image_editor": {"select_draw_tool": "选择画笔工具后开始画"}}
EN = {key: key for key in ZH}
I18N = gr.I18n(en=EN, **{locale: {**ZH, **GRADIO_ZH} for locale in ("zh-CN", "zh")})

# Keeps the hidden #ui-lang textbox equal to the page's language: Gradio sets <html lang> at load
# and on every switch under Settings → Language; the textbox's change event re-renders what the
# server draws in one language.
LANGUAGE_JS = """
() => {
  const sync = () => {
    const box = document.querySelector('#ui-lang textarea, #ui-lang input');
    if (!box) { setTimeout(sync, 100); return; }
    const lang = document.documentElement.lang || navigator.language || 'en';
    if (box.value === lang) return;
    box.value = lang;
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  new MutationObserver(sync).observe(document.documentElement, {attributes: true, attributeFilter: ['lang']});
  sync();
}
"""


def is_chinese(lang: str | None) -> bool:
    """Does this browser locale ("zh-CN", "zh", "en-US", None) get the Chinese texts?"""
    return (lang or "").lower().startswith("zh")


def text(key: str, lang: str | None) -> str:
    """`key` in the visitor's language (`lang`: a browser locale), rendered by the server."""
    return ZH.get(key, key) if is_chinese(lang) else key


def t(key: str) -> I18nData | str:
    """A UI text that Gradio shows in the visitor's language (English where no translation exists)."""
    return I18N(key) if key in ZH else key


def say(key: str, rest: str = "") -> str:
    """A handler's output: translated `key`, then `rest` (figures and names, the same in any language)."""
    return str(t(key)) + rest


def error_text(error: ValueError) -> str:
    """A core module's message as bold Markdown, in the visitor's language where it has a translation."""
    message = str(error)
    return f"**{say(message) if message in ZH else message}**"
