// The kernel-free explorer (optlib.widgets.Explorer.show_static): one precomputed frame per
// grid point; moving a range slider swaps the image. Inserted into explorer.html.
//
// root:   the explorer's <div>, holding one range input (data-slider="i") per slider,
//         a <code data-readout="i"> beside each, and the <img> that shows the frame;
// frames: base64 PNGs in the order of itertools.product over the sliders (last one fastest);
// values: values[i][k] is the value of slider i at notch k (shown in the readout);
// sizes:  sizes[i] is the number of notches of slider i.
function showFrames(root, frames, values, sizes) {
  const inputs = root.querySelectorAll("input[data-slider]");
  function redraw() {
    let index = 0;
    inputs.forEach((input, i) => {
      index = index * sizes[i] + Number(input.value);
      root.querySelector('[data-readout="' + i + '"]').textContent = values[i][input.value];
    });
    root.querySelector("img").src = "data:image/png;base64," + frames[index];
  }
  inputs.forEach((input) => input.addEventListener("input", redraw));
  redraw();
}
