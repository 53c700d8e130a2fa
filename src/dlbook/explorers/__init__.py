"""交互图：每个主题一个纯计算函数、一张静态 plotly 图和一个实时面板（见 {ref}`sec-activations`）。"""
