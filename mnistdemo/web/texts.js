// Every text the page shows, in English and Simplified Chinese (as mnistdemo/ui/texts.py words them).

export const TEXTS = {
  en: {
    title: "Draw, and a network reads it",
    language: "Language",
    clear: "Clear",
    model: "Model",
    penPath: "Also read the pen's path (the order and direction of your strokes)",
    draw: { mnist: "Draw a digit", fashion_mnist: "Draw a piece of clothing" },
    notADigit: "Not a digit? It does not look like any of the ten digits.",
    loading: "Loading the model…",
    failed: "Could not load the model: ",
    seen: "What the model sees (28 × 28)",
    private: "Runs in your browser: what you draw never leaves this device.",
    fullApp: "The full app: every model, inside the network, training",
    datasets: { mnist: "Digits (MNIST)", fashion_mnist: "Clothing (Fashion-MNIST)" },
  },
  zh: {
    title: "画一画，让神经网络来识别",
    language: "语言",
    clear: "清除",
    model: "模型",
    penPath: "同时参考笔迹（笔画的先后与方向）",
    draw: { mnist: "画一个数字", fashion_mnist: "画一件服饰" },
    notADigit: "不是数字？ 它看起来不像十个数字中的任何一个。",
    loading: "正在加载模型……",
    failed: "无法加载模型：",
    seen: "模型看到的图像（28 × 28）",
    private: "完全在浏览器中运行：你画的内容不会离开这台设备。",
    fullApp: "完整应用：全部模型、网络内部、训练",
    datasets: { mnist: "数字（MNIST）", fashion_mnist: "服饰（Fashion-MNIST）" },
    classes: {
      "T-shirt/top": "T恤/上衣", Trouser: "裤子", Pullover: "套头衫", Dress: "连衣裙", Coat: "外套",
      Sandal: "凉鞋", Shirt: "衬衫", Sneaker: "运动鞋", Bag: "包", "Ankle boot": "短靴",
    },
  },
};

/** The browser's language if we have it, else English. */
export function defaultLanguage(languages) {
  return languages.some((tag) => tag.toLowerCase().startsWith("zh")) ? "zh" : "en";
}

/** A class name in `lang` (digits and untranslated names stay as they are). */
export function className(name, lang) {
  return TEXTS[lang].classes?.[name] ?? name;
}
